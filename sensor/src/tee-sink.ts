/** A FlowSink that hands every flow to several sinks (NATS and a HAR file, say). */
import type { FlowSink } from './flow-sink.js';

export function createTeeSink(sinks: readonly FlowSink[]): FlowSink {
  return {
    holdResponses: sinks.some((sink) => sink.holdResponses),
    async write(captured) {
      const results = await Promise.allSettled(sinks.map((sink) => sink.write(captured)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    async close() {
      const results = await Promise.allSettled(sinks.map((sink) => sink.close()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
