/**
 * Publishes captured flows to JetStream through the disk spool: every flow is serialised once and
 * appended to the spool (`write` never waits for NATS), and the publisher takes flows from the
 * spool in order, stores each out-of-line body in the BODIES object store (named by sha256,
 * skipped when already there), then publishes the same bytes to honeyproxy.flows.v1.<sensorId>
 * with msgID = flowId, a bounded number at a time. Only JetStream's acknowledgement lets a flow
 * leave the spool; failures back off and retry, so flows wait on disk while NATS, the FLOWS stream
 * or the BODIES bucket (both created by the analyzer) are missing. When the spool's budget runs
 * short a flow is kept without its bodies (flagged), and only when even that cannot fit is it
 * refused — counted and logged, never silently.
 */
import type { Logger } from 'pino';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  dropBodies,
  flowMessageCodec,
  flowMessageJson,
  flowSubject,
  hasBodies,
} from '@honeyproxy/protocol';
import { BodyFileGoneError, createBodyStore, type BodyStore } from './body-upload.js';
import type { FlowSink } from './flow-sink.js';
import { createJetStreamPublisher, type JetStreamPublisher } from './jetstream-publisher.js';
import type { NatsConnector } from './nats-connector.js';
import { describeFailure } from './publish-failure.js';
import type { PublisherStats } from './publisher-stats.js';
import { throttled } from './throttled.js';
import type { SpoolBlob } from './spool/record-codec.js';
import type { Spool, SpoolRecord } from './spool/spool.js';

export interface NatsFlowSinkOptions {
  readonly connector: NatsConnector;
  readonly log: Logger;
  /** Where flows wait until JetStream has them (the sink closes it). */
  readonly spool: Spool;
  /** Flows being published at once. */
  readonly maxInFlight?: number;
  /** How long a new flow may wait so several go out in one socket write. */
  readonly lingerMs?: number;
  readonly publishTimeoutMs?: number;
  /** Longest wait between retries. */
  readonly maxBackoffMs?: number;
  /** Called with each acknowledged publish's latency (seconds), e.g. for a histogram. */
  readonly observePublish?: (seconds: number) => void;
}


export interface NatsFlowSink extends FlowSink {
  stats(): PublisherStats;
}

/** The spool had no room even for the flow's metadata. */
export class SpoolFullError extends Error {
  override readonly name = 'SpoolFullError';
}

const RECENT_BODIES_MAX = 10_000;
const NO_BLOBS: readonly SpoolBlob[] = [];
const RESOLVED = Promise.resolve();
const MIB = 1024 * 1024;

type Done = (err?: Error) => void;

export function createNatsFlowSink(options: NatsFlowSinkOptions): NatsFlowSink {
  const { connector, log, spool, observePublish } = options;
  const maxInFlight = options.maxInFlight ?? 256;
  const lingerMs = options.lingerMs ?? 5;
  const timeout = options.publishTimeoutMs ?? 10_000;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;

  let clients:
    { nc: NatsConnection; flows: JetStreamPublisher; bodies: Promise<BodyStore> } | undefined;
  const recentBodies = new Set<string>();
  const bodyPuts = new Map<string, Promise<void>>();
  let inFlight = 0;
  let spooled = 0;
  let published = 0;
  let droppedBodies = 0;
  let dropped = 0;
  let publishErrors = 0;
  let lastBodyDropAt = -Infinity;
  let problem: string | undefined;
  let backoffMs = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let lingerTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let stopped = false;
  const idleWaiters = new Set<() => void>();

  const warnDegraded = throttled<string>(10_000, (flowId, more) => {
    const s = spool.stats();
    log.warn(
      { flowId, alsoSince: more, spoolBytes: s.bytes, bodyLimit: s.bodyLimitBytes },
      'spool nearly full: flow kept without its bodies',
    );
  });
  const errorRefused = throttled<string>(1_000, (flowId, more) => {
    const s = spool.stats();
    log.error(
      { flowId, alsoSince: more, refusedTotal: dropped, spoolBytes: s.bytes, maxBytes: s.maxBytes },
      'SPOOL FULL: flow refused, not even its metadata fits (--spool-max)',
    );
  });

  const clientsFor = (nc: NatsConnection) => {
    if (clients?.nc !== nc) {
      clients?.flows.close();
      const js: JetStreamClient = jetstream(nc, { timeout, checkAPI: false });
      clients = {
        nc,
        flows: createJetStreamPublisher(nc, timeout),
        bodies: Promise.resolve(createBodyStore(nc, js, timeout)),
      };
    }
    return clients;
  };

  const storeBody = (blob: SpoolBlob, store: Promise<BodyStore>): Promise<void> => {
    const { sha256 } = blob;
    if (recentBodies.has(sha256)) return RESOLVED;
    let put = bodyPuts.get(sha256);
    if (!put) {
      put = (async () => {
        const os = await store;
        if (await os.has(sha256)) {
          // already stored
        } else if (blob.file) {
          await os.putFile(sha256, blob.file.path);
        } else {
          await os.putBytes(sha256, blob.bytes);
        }
        if (recentBodies.size >= RECENT_BODIES_MAX) recentBodies.clear();
        recentBodies.add(sha256);
      })().finally(() => bodyPuts.delete(sha256));
      bodyPuts.set(sha256, put);
    }
    return put;
  };

  const failure = (err: unknown, stage: 'body' | 'flow') =>
    new Error(describeFailure(err, stage), { cause: err });

  /** The flow as stored, minus bodies found damaged in the spool (rare: disk corruption). */
  const payloadOf = (record: SpoolRecord, lost?: readonly string[]): Uint8Array => {
    if (!record.damaged?.length && !lost?.length) return record.json;
    try {
      const flow = flowMessageCodec.decodeJson(record.json);
      const damaged = new Set([...(record.damaged ?? []), ...(lost ?? [])]);
      return Buffer.from(JSON.stringify(dropBodies(flow, 'spool-damaged', damaged)));
    } catch (err) {
      log.error({ err, flowId: record.flowId }, 'damaged spool record published as it is');
      return record.json;
    }
  };

  /**
   * Flows waiting for their bodies to be stored, and every flow taken after them: flow messages
   * are sent in spool order, so a flow behind a large upload waits for it (the uploads run side
   * by side). Empty in the common case, where a flow is sent at once.
   */
  let waiting: {
    record: SpoolRecord;
    nc: NatsConnection;
    done: Done;
    ready: boolean;
    err?: Error;
    /** Bodies whose spool file turned out gone or changed: sent without them. */
    lost?: string[];
  }[] = [];
  let waitingHead = 0;

  const send = (record: SpoolRecord, nc: NatsConnection, done: Done, lost?: string[]) => {
    const sentAt = observePublish ? performance.now() : 0;
    // callbacks, not promises: this runs for every flow
    clientsFor(nc).flows.publish(
      flowSubject(record.sensorId),
      payloadOf(record, lost),
      record.flowId,
      (err) => {
        if (!err && observePublish) observePublish((performance.now() - sentAt) / 1000);
        done(err && failure(err, 'flow'));
      },
    );
  };

  const sendReady = () => {
    while (waitingHead < waiting.length) {
      const head = waiting[waitingHead];
      if (!head?.ready) return;
      waitingHead++;
      if (head.err) head.done(head.err);
      else send(head.record, head.nc, head.done, head.lost);
    }
    waiting = [];
    waitingHead = 0;
  };

  /** Stores the flow's large bodies (rarely any), then sends the flow; calls `done` once. */
  const publish = (record: SpoolRecord, nc: NatsConnection, done: Done) => {
    if (record.blobs.length === 0 && waitingHead === waiting.length) {
      send(record, nc, done);
      return;
    }
    const slot: (typeof waiting)[number] = { record, nc, done, ready: record.blobs.length === 0 };
    waiting.push(slot);
    if (slot.ready) return;
    const { bodies } = clientsFor(nc);
    const stored: Promise<void>[] = [];
    for (const blob of record.blobs) {
      const put = storeBody(blob, bodies).catch((err: unknown) => {
        if (!(err instanceof BodyFileGoneError)) throw err;
        log.error({ err, flowId: record.flowId, sha256: blob.sha256 }, 'body file unusable');
        (slot.lost ??= []).push(blob.sha256);
      });
      stored.push(put);
    }
    Promise.all(stored).then(
      () => {
        slot.ready = true;
        sendReady();
      },
      (err: unknown) => {
        slot.ready = true;
        slot.err = failure(err, 'body');
        sendReady();
      },
    );
  };

  const succeeded = (record: SpoolRecord) => {
    spool.ack(record);
    published++;
    backoffMs = 0;
    if (problem !== undefined) setProblem(undefined);
    settle();
  };

  const failed = (record: SpoolRecord, err: Error) => {
    spool.release(record);
    publishErrors++;
    setProblem(err.message, err.cause);
    // one back-off step per round of failures, not per failed flow of the round
    if (!retryTimer && !stopped) {
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
    const backlog = spool.stats().records;
    if (next) log.warn({ reason: next, err, backlog }, 'flows held back in the spool, retrying');
    else log.info({ backlog }, 'publishing flows again');
    problem = next;
  };

  const pump = (): void => {
    if (retryTimer || stopped) return;
    const nc = connector.current();
    if (!nc) {
      if (spool.stats().records > 0) setProblem('NATS unreachable');
      return;
    }
    const maxPayload = nc.info?.max_payload ?? Infinity;
    while (inFlight < maxInFlight) {
      const record = spool.take();
      if (!record) break;
      if (record.json.length > maxPayload) {
        // cannot ever be published (bodies are bounded; only absurd headers get here): say so
        spool.ack(record);
        dropped++;
        log.error(
          { flowId: record.flowId, bytes: record.json.length, maxPayload },
          'flow larger than the NATS max_payload: dropped',
        );
        continue;
      }
      inFlight++;
      publish(record, nc, (err) => (err ? failed(record, err) : succeeded(record)));
    }
  };

  /** Publishing in batches: one socket write (one syscall) carries every flow of the batch. */
  const schedulePump = () => {
    if (lingerTimer || retryTimer || stopped) return;
    lingerTimer = setTimeout(() => {
      lingerTimer = undefined;
      pump();
    }, lingerMs);
  };
  // written records go out with the next linger: one socket write carries every spool write of
  // the last few ms (the spool writes every loop turn, so that responses wait less than a ms)
  spool.onReadable(() => schedulePump());

  const settle = () => {
    inFlight--;
    if (idleWaiters.size > 0 && inFlight === 0 && spool.stats().records === 0)
      for (const wake of idleWaiters) wake();
    schedulePump();
  };

  const unsubscribe = connector.onConnect(() => {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    pump();
  });

  const alarms = (): string[] => {
    const s = spool.stats();
    const out: string[] = [];
    if (problem) out.push(problem);
    if (s.problem) out.push(s.problem);
    if (s.bytes > s.bodyLimitBytes || Date.now() - lastBodyDropAt < 60_000) {
      out.push(
        `spool nearly full (${Math.round(s.bytes / MIB)} of ${Math.round(s.maxBytes / MIB)} MiB): bodies are dropped`,
      );
    }
    if (droppedBodies > 0) out.push(`${droppedBodies} flows kept without bodies: spool full`);
    if (dropped > 0) out.push(`${dropped} flows dropped (spool full or over NATS max_payload)`);
    if (s.skippedRecords > 0) out.push(`${s.skippedRecords} damaged or torn spool records skipped`);
    return out;
  };

  return {
    // write() settles when the flow is in the spool file: the sensor holds responses until then
    holdResponses: true,
    write(captured) {
      if (closed) return Promise.reject(new Error('flow sink is closed'));
      const { flow, bodies, bodyFiles } = captured;
      let blobs: readonly SpoolBlob[] =
        bodies.size === 0
          ? NO_BLOBS
          : Array.from(bodies, ([sha256, bytes]): SpoolBlob => ({ sha256, bytes }));
      // files are linked by the spool within append, before the capture deletes its name
      if (bodyFiles?.size)
        blobs = blobs.concat(
          Array.from(bodyFiles.values(), (f): SpoolBlob => ({
            sha256: f.sha256,
            file: { path: f.path, len: f.len },
          })),
        );
      const { flowId, sensorId } = flow;
      // settles once the record is written (a failed write is the spool's to log, count and retry)
      let written!: () => void;
      const stored = new Promise<void>((resolve) => (written = resolve));
      const onWritten = () => written();
      let result = spool.append(
        { flowId, sensorId, json: Buffer.from(flowMessageJson(flow)), blobs },
        hasBodies(flow),
        onWritten,
      );
      if (result === 'bodies') {
        const json = Buffer.from(flowMessageJson(dropBodies(flow, 'spool-full')));
        result = spool.append({ flowId, sensorId, json, blobs: NO_BLOBS }, false, onWritten);
        if (result === 'spooled') {
          droppedBodies++;
          lastBodyDropAt = Date.now();
          warnDegraded(flow.flowId);
        }
      }
      if (result !== 'spooled') {
        dropped++;
        errorRefused(flow.flowId);
        const s = spool.stats();
        return Promise.reject(
          new SpoolFullError(`spool full (${s.bytes} of ${s.maxBytes} bytes, ${s.records} flows)`),
        );
      }
      spooled++;
      return stored;
    },
    stats: () => {
      const s = spool.stats();
      return {
        spooled,
        published,
        droppedBodies,
        dropped,
        publishErrors,
        backlog: s.records,
        spoolBytes: s.bytes,
        spoolMaxBytes: s.maxBytes,
        spoolSyncs: s.syncs,
        spoolSkipped: s.skippedRecords,
        problem,
        alarms: alarms(),
      };
    },
    async close() {
      closed = true;
      // give the backlog a chance while connected; what remains stays spooled for the next start
      await spool.flush();
      if (spool.stats().records > 0 && connector.current()) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeout);
          idleWaiters.add(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      stopped = true;
      unsubscribe();
      clearTimeout(retryTimer);
      clearTimeout(lingerTimer);
      clients?.flows.close();
      clients = undefined;
      await spool.close();
    },
  };
}
