/**
 * Publishes captured flows to JetStream: first each out-of-line body into the BODIES object store
 * (named by sha256, skipped when already there), then the flow to honeyproxy.flows.v1.<sensorId>
 * with msgID = flowId, so a re-publish after a lost ack is deduplicated. Flows wait in a bounded
 * queue while NATS, the FLOWS stream or the BODIES bucket (both created by the analyzer) are
 * missing, and go out, a bounded number at a time, with back-off until they are acknowledged.
 */
import type { Logger } from 'pino';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { BODIES_BUCKET, flowSubject } from '@honeyproxy/protocol';
import type { FlowSink } from './flow-sink.js';
import { createMemoryFlowQueue, type FlowQueue, type QueuedFlow } from './flow-queue.js';
import {
  createJetStreamPublisher,
  JetStreamPublishError,
  type JetStreamPublisher,
} from './jetstream-publisher.js';
import type { NatsConnector } from './nats-connector.js';

export interface NatsFlowSinkOptions {
  readonly connector: NatsConnector;
  readonly log: Logger;
  /** Backlog; defaults to a bounded in-memory queue. */
  readonly queue?: FlowQueue;
  /** Flows being published at once. */
  readonly maxInFlight?: number;
  /** How long a new flow may wait so several go out in one socket write. */
  readonly lingerMs?: number;
  readonly publishTimeoutMs?: number;
  /** Longest wait between retries. */
  readonly maxBackoffMs?: number;
}

export interface PublisherStats {
  readonly published: number;
  /** Flows kept without their large bodies because the backlog was full. */
  readonly droppedBodies: number;
  /** Flows refused (backlog full) or unpublishable (over NATS max_payload); each one logged. */
  readonly dropped: number;
  /** Flows captured and not yet acknowledged. */
  readonly backlog: number;
  readonly backlogBytes: number;
  /** What currently keeps flows from going out, if anything. */
  readonly problem: string | undefined;
}

export interface NatsFlowSink extends FlowSink {
  stats(): PublisherStats;
}

export class BacklogFullError extends Error {
  override readonly name = 'BacklogFullError';
}

/** Why a publish failed, in words an operator can act on. */
function describeFailure(err: unknown, stage: 'body' | 'flow'): string {
  if (err instanceof JetStreamPublishError) {
    if (err.code === 503) return 'FLOWS stream missing (the analyzer creates it)';
    if (err.code === 408) return 'JetStream did not acknowledge in time';
  }
  const text = `${(err as Error)?.name ?? ''} ${(err as Error)?.message ?? String(err)}`;
  if (/no responders|503/i.test(text)) {
    return stage === 'flow'
      ? 'FLOWS stream missing (the analyzer creates it)'
      : 'JetStream unavailable';
  }
  if (/stream not found|10059/i.test(text))
    return `${BODIES_BUCKET} object store missing (the analyzer creates it)`;
  if (/timeout/i.test(text)) return 'JetStream did not acknowledge in time';
  if (/permission/i.test(text)) return 'NATS permission denied';
  return `publish failed: ${text.trim().slice(0, 200)}`;
}

const RECENT_BODIES_MAX = 10_000;

export function createNatsFlowSink(options: NatsFlowSinkOptions): NatsFlowSink {
  const { connector, log } = options;
  const queue = options.queue ?? createMemoryFlowQueue();
  const maxInFlight = options.maxInFlight ?? 256;
  const lingerMs = options.lingerMs ?? 5;
  const timeout = options.publishTimeoutMs ?? 10_000;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;

  let clients:
    { nc: NatsConnection; flows: JetStreamPublisher; bodies: Promise<ObjectStore> } | undefined;
  const recentBodies = new Set<string>();
  const bodyPuts = new Map<string, Promise<void>>();
  let inFlight = 0;
  let published = 0;
  let droppedBodies = 0;
  let dropped = 0;
  let problem: string | undefined;
  let backoffMs = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let lingerTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const idleWaiters = new Set<() => void>();

  const clientsFor = (nc: NatsConnection) => {
    if (clients?.nc !== nc) {
      clients?.flows.close();
      const js: JetStreamClient = jetstream(nc, { timeout, checkAPI: false });
      clients = {
        nc,
        flows: createJetStreamPublisher(nc, timeout),
        bodies: new Objm(js).open(BODIES_BUCKET, false),
      };
    }
    return clients;
  };

  const storeBody = (
    sha256: string,
    bytes: Uint8Array,
    store: Promise<ObjectStore>,
  ): Promise<void> => {
    if (recentBodies.has(sha256)) return Promise.resolve();
    let put = bodyPuts.get(sha256);
    if (!put) {
      put = (async () => {
        const os = await store;
        const info = await os.info(sha256);
        if (!info || info.deleted) await os.putBlob({ name: sha256 }, bytes, { timeout });
        if (recentBodies.size >= RECENT_BODIES_MAX) recentBodies.clear();
        recentBodies.add(sha256);
      })().finally(() => bodyPuts.delete(sha256));
      bodyPuts.set(sha256, put);
    }
    return put;
  };

  const failure = (err: unknown, stage: 'body' | 'flow') =>
    new Error(describeFailure(err, stage), { cause: err });

  /** Stores the flow's large bodies (rarely any), then the flow; calls `done` once. */
  const publish = (flow: QueuedFlow, nc: NatsConnection, done: (err?: Error) => void) => {
    const { flows, bodies } = clientsFor(nc);
    // callbacks, not promises: this runs for every flow
    const send = () =>
      flows.publish(flowSubject(flow.sensorId), flow.payload, flow.flowId, (err) =>
        done(err && failure(err, 'flow')),
      );
    if (flow.bodies.size === 0) {
      send();
      return;
    }
    const stored: Promise<void>[] = [];
    for (const [sha256, bytes] of flow.bodies) stored.push(storeBody(sha256, bytes, bodies));
    Promise.all(stored).then(send, (err: unknown) => done(failure(err, 'body')));
  };

  const succeeded = (flow: QueuedFlow) => {
    queue.ack(flow);
    published++;
    backoffMs = 0;
    if (problem !== undefined) setProblem(undefined);
    settle();
  };

  const failed = (flow: QueuedFlow, err: Error) => {
    queue.release(flow);
    setProblem(err.message, err.cause);
    // one back-off step per round of failures, not per failed flow of the round
    if (!retryTimer) {
      backoffMs = Math.min(Math.max(backoffMs * 2, 250), maxBackoffMs);
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        pump();
      }, backoffMs);
    }
    settle();
  };

  const setProblem = (next: string | undefined, err?: unknown) => {
    if (next === problem) return;
    if (next) log.warn({ reason: next, err, backlog: queue.depth }, 'flows held back, retrying');
    else log.info({ backlog: queue.depth }, 'publishing flows again');
    problem = next;
  };

  const pump = (): void => {
    if (retryTimer) return;
    const nc = connector.current();
    if (!nc) {
      if (queue.depth > 0) setProblem('NATS unreachable');
      return;
    }
    const maxPayload = nc.info?.max_payload ?? Infinity;
    while (inFlight < maxInFlight) {
      const flow = queue.take();
      if (!flow) break;
      if (flow.payload.length > maxPayload) {
        // cannot ever be published (bodies are bounded; only absurd headers get here): say so
        queue.ack(flow);
        dropped++;
        log.error(
          { flowId: flow.flowId, bytes: flow.payload.length, maxPayload },
          'flow larger than the NATS max_payload: dropped',
        );
        continue;
      }
      inFlight++;
      publish(flow, nc, (err) => (err ? failed(flow, err) : succeeded(flow)));
    }
  };

  /** Publishing in batches: one socket write (one syscall) carries every flow of the batch. */
  const schedulePump = () => {
    if (lingerTimer || retryTimer) return;
    lingerTimer = setTimeout(() => {
      lingerTimer = undefined;
      pump();
    }, lingerMs);
  };

  const settle = () => {
    inFlight--;
    if (queue.depth === 0 && inFlight === 0) for (const wake of idleWaiters) wake();
    schedulePump();
  };

  const unsubscribe = connector.onConnect(() => {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    pump();
  });

  return {
    write(captured) {
      if (closed) return Promise.reject(new Error('flow sink is closed'));
      const outcome = queue.push(captured);
      if (outcome === 'rejected') {
        dropped++;
        log.error(
          { flowId: captured.flow.flowId, backlog: queue.depth },
          'backlog full: flow dropped',
        );
        return Promise.reject(
          new BacklogFullError(`backlog full (${queue.depth} flows, ${queue.bytes} bytes)`),
        );
      }
      if (outcome === 'degraded') {
        droppedBodies++;
        log.warn(
          { flowId: captured.flow.flowId, backlog: queue.depth },
          'backlog full: flow kept without its large bodies',
        );
      }
      schedulePump();
      return Promise.resolve();
    },
    stats: () => ({
      published,
      droppedBodies,
      dropped,
      backlog: queue.depth,
      backlogBytes: queue.bytes,
      problem,
    }),
    async close() {
      closed = true;
      unsubscribe();
      // give the backlog a chance while connected; what remains is reported, not silently lost
      if (queue.depth > 0 && connector.current()) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeout);
          idleWaiters.add(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      clearTimeout(retryTimer);
      clearTimeout(lingerTimer);
      clients?.flows.close();
      clients = undefined;
      if (queue.depth > 0)
        log.error({ backlog: queue.depth }, 'stopping with flows not yet published');
    },
  };
}
