/**
 * The publisher's backlog: flows captured but not yet acknowledged by JetStream. This in-memory
 * version is bounded by count and bytes; past the byte budget a flow keeps its metadata and loses
 * its out-of-line bodies (flagged in its anomalies), past the count it is refused — never dropped
 * without a trace. A disk spool will implement the same interface.
 */
import { isRef, refName, type Body, type FlowMessage } from '@honeyproxy/protocol';
import type { CapturedFlow } from './flow-sink.js';

/** A flow ready to publish: its JSON, once, and the out-of-line bodies it references. */
export interface QueuedFlow {
  readonly flowId: string;
  readonly sensorId: string;
  readonly payload: Uint8Array;
  readonly bodies: ReadonlyMap<string, Uint8Array>;
  /** Bytes held (payload + bodies). */
  readonly size: number;
}

export type PushOutcome = 'queued' | 'degraded' | 'rejected';

export interface FlowQueue {
  /** Adds a flow; 'degraded' = kept without its large bodies, 'rejected' = not kept at all. */
  push(captured: CapturedFlow): PushOutcome;
  /** The oldest flow not being published (it stays counted until ack). */
  take(): QueuedFlow | undefined;
  /** Published and acknowledged: forget it. */
  ack(flow: QueuedFlow): void;
  /** Publishing failed: it goes back to the front, to be taken again. */
  release(flow: QueuedFlow): void;
  /** Flows held, including those being published. */
  readonly depth: number;
  readonly bytes: number;
}

export interface MemoryFlowQueueOptions {
  readonly maxFlows?: number;
  readonly maxBytes?: number;
}

/** The flow without its ref bodies, each replaced by null and an anomaly naming what was lost. */
function withoutRefBodies(flow: FlowMessage): FlowMessage {
  const anomalies = [...flow.anomalies];
  const drop = (side: string, body: Body): Body => {
    if (!isRef(body)) return body;
    anomalies.push(`${side}-body-dropped:len=${body.len},sha256=${refName(body)}`);
    return null;
  };
  const request = { ...flow.request, body: drop('request', flow.request.body) };
  const response = flow.response && {
    ...flow.response,
    body: drop('response', flow.response.body),
  };
  return { ...flow, request, ...(response && { response }), anomalies };
}

export function createMemoryFlowQueue(options: MemoryFlowQueueOptions = {}): FlowQueue {
  const maxFlows = options.maxFlows ?? 100_000;
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  // a growable ring would be faster; shift() on arrays of this size is fine at proxy rates
  const waiting: QueuedFlow[] = [];
  let depth = 0;
  let bytes = 0;

  const entry = (flow: FlowMessage, bodies: ReadonlyMap<string, Uint8Array>): QueuedFlow => {
    const payload = Buffer.from(JSON.stringify(flow));
    let size = payload.length;
    for (const body of bodies.values()) size += body.length;
    return { flowId: flow.flowId, sensorId: flow.sensorId, payload, bodies, size };
  };

  return {
    push({ flow, bodies }) {
      if (depth >= maxFlows) return 'rejected';
      let queued = entry(flow, bodies);
      let outcome: PushOutcome = 'queued';
      if (bytes + queued.size > maxBytes && bodies.size > 0) {
        queued = entry(withoutRefBodies(flow), new Map());
        outcome = 'degraded';
      }
      if (bytes + queued.size > maxBytes) return 'rejected';
      waiting.push(queued);
      depth++;
      bytes += queued.size;
      return outcome;
    },
    take: () => waiting.shift(),
    ack(flow) {
      depth--;
      bytes -= flow.size;
    },
    release(flow) {
      waiting.unshift(flow);
    },
    get depth() {
      return depth;
    },
    get bytes() {
      return bytes;
    },
  };
}
