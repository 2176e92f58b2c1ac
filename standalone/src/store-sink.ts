/**
 * The standalone mode's FlowSink: flows go from the embedded sensor straight into the store (no
 * NATS), in small transactions batched by time and count, then to the live hub. `write` resolves only
 * after the flow is committed, so closing the sensor waits until every flow is stored. A flow the
 * store rejects as invalid becomes a dead letter; a failing commit is retried with back-off.
 */
import type { FlowStore, LiveHub } from '@honeyproxy/analyzer';
import type { CapturedFlow, FlowSink } from '@honeyproxy/sensor';
import type { Logger } from 'pino';

type Prepared = ReturnType<FlowStore['prepare']>;
type DeadLetter = Parameters<FlowStore['insertDeadLetters']>[0][number];

interface Pending {
  prepared?: Prepared;
  deadLetter?: DeadLetter;
  done: () => void;
  fail: (err: unknown) => void;
}

export interface StoreSinkOptions {
  store: FlowStore;
  hub: LiveHub;
  log: Logger;
  /** The embedded sensor's id (stands in for the NATS subject). */
  sensorId: string;
  maxBatch?: number;
  maxWaitMs?: number;
  /** Commit attempts before a batch's flows are reported lost to the sensor (which logs them). */
  maxAttempts?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createStoreSink(options: StoreSinkOptions): FlowSink {
  const { store, hub, log, sensorId } = options;
  const maxBatch = options.maxBatch ?? 500;
  const maxWaitMs = options.maxWaitMs ?? 5;
  const maxAttempts = options.maxAttempts ?? 8;
  let queue: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  let closed = false;

  const commit = async (batch: Pending[]) => {
    const flows = batch.flatMap((p) => (p.prepared ? [p.prepared] : []));
    const deadLetters = batch.flatMap((p) => (p.deadLetter ? [p.deadLetter] : []));
    for (let attempt = 1; ; attempt++) {
      try {
        const summaries = await store.commit({ flows, deadLetters });
        for (const summary of summaries) hub.publish(summary);
        for (const p of batch) p.done();
        return;
      } catch (err) {
        if (attempt >= maxAttempts) {
          for (const p of batch) p.fail(err);
          return;
        }
        log.warn({ err, attempt, flows: flows.length }, 'storing a batch failed, retrying');
        await sleep(Math.min(100 * 2 ** attempt, 5000));
      }
    }
  };

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    // commits run one after another: order is kept and PGlite has a single session anyway
    flushing = flushing.then(() => commit(batch));
  };

  return {
    write(captured: CapturedFlow): Promise<void> {
      if (closed) return Promise.reject(new Error('the standalone store sink is closed'));
      return new Promise<void>((done, fail) => {
        const item = { sensorId, flow: captured.flow, bodies: captured.bodies };
        try {
          queue.push({ prepared: store.prepare(item), done, fail });
        } catch (err) {
          log.error(
            { err, flowId: captured.flow.flowId },
            'captured flow is invalid: kept as a dead letter',
          );
          queue.push({
            deadLetter: {
              subject: `standalone.${sensorId}`,
              reason: err instanceof Error ? err.message : String(err),
              payload: new TextEncoder().encode(JSON.stringify(captured.flow)),
            },
            done,
            fail,
          });
        }
        if (queue.length >= maxBatch) flush();
        else timer ??= setTimeout(flush, maxWaitMs);
      });
    },
    async close() {
      closed = true;
      flush();
      await flushing;
    },
  };
}
