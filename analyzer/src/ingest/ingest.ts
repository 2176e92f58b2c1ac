/**
 * JetStream → PostgreSQL. Any number of analyzers pull from the one durable consumer; each batch is
 * validated message by message (the sensor is the subject token, never the payload), completed with
 * bodies from BODIES, stored in one transaction, and only then acknowledged. Poison messages become
 * dead letters (committed in the same transaction) and are then acknowledged; anything transient — Postgres
 * down, NATS hiccup, a body not there yet — is nak'ed with back-off, so nothing is lost and nothing
 * bad stops the loop. New flows are announced through `live` after the commit.
 */
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@honeyproxy/common';
import { dropBodies, FLOWS_STREAM, INGEST_CONSUMER, type FlowSummary } from '@honeyproxy/protocol';
import type { FlowStore } from '../store/flow-store.js';
import type { DeadLetter, IngestItem } from '../store/ingest-item.js';
import { parseFlowMessage, refsOf } from './parse-flow-message.js';
import { InvalidFlowError, type PreparedFlow } from '../store/prepare-flow.js';
import { isDataError, sqlState } from '../db/pg-errors.js';
import { fetchBodies, type FetchedBody } from './body-fetcher.js';
import {
  ensureJetStream,
  type JetStreamHandles,
  type JetStreamSetupOptions,
} from './jetstream-setup.js';
import { createMicroBatcher } from './micro-batcher.js';
import type { IngestMetrics } from '../metrics/analyzer-metrics.js';

export interface IngestOptions extends JetStreamSetupOptions {
  /** Most messages per transaction (default 500). */
  batchSize?: number;
  /** How long a partial batch waits for more messages (default 25 ms). */
  batchWaitMs?: number;
  /** Largest BODIES object fetched (default 64 MiB); larger → dead letter. */
  maxBodyBytes?: number;
  /** Redelivery delay after a transient failure: base · 2^(delivery−1), capped (defaults 1 s, 60 s). */
  nakBaseMs?: number;
  nakMaxMs?: number;
  /** Deliveries to wait for a missing BODIES object before dead-lettering the flow (default 5). */
  missingBodyDeliveries?: number;
  /** Batches processed at once (default 4). */
  concurrency?: number;
}

export interface IngestStats {
  batches: number;
  stored: number;
  duplicates: number;
  deadLetters: number;
  retried: number;
}

export interface Ingest {
  /** Creates stream, object store and consumer if needed (idempotent). */
  ensureJetStream(): Promise<JetStreamHandles>;
  /** Starts consuming (retrying setup until NATS answers); resolves once messages are being pulled. */
  start(): Promise<void>;
  /** Stops pulling, finishes the batch in flight, hands back what was prefetched. */
  stop(): Promise<void>;
  readonly stats: Readonly<IngestStats>;
}

export interface CreateIngestOptions {
  nc: NatsConnection;
  store: FlowStore;
  log: Logger;
  /** Called with the newly stored flows after each commit. */
  live?: (flows: readonly FlowSummary[]) => void;
  /** Counts for /metrics. */
  metrics?: IngestMetrics;
  options?: IngestOptions;
}

/** Short reasons for the retry metric's label. */
type RetryReason = 'database' | 'body-missing' | 'error';

interface Dead {
  msg: JsMsg;
  reason: string;
}

export function createIngest({
  nc,
  store,
  log,
  live,
  metrics,
  options = {},
}: CreateIngestOptions): Ingest {
  const batchSize = options.batchSize ?? 500;
  const batchWaitMs = options.batchWaitMs ?? 25;
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const nakBase = options.nakBaseMs ?? 1000;
  const nakMax = options.nakMaxMs ?? 60_000;
  const missingBodyDeliveries = options.missingBodyDeliveries ?? 5;
  const concurrency = options.concurrency ?? 4;
  const stats: IngestStats = { batches: 0, stored: 0, duplicates: 0, deadLetters: 0, retried: 0 };
  let stopping = false;
  let messages: ConsumerMessages | undefined;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let lastRetryLog = 0;

  const delayFor = (msg: JsMsg) =>
    Math.min(nakMax, nakBase * 2 ** Math.min(16, Math.max(0, msg.info.deliveryCount - 1)));

  const retry = (msgs: readonly JsMsg[], why: RetryReason, err?: unknown) => {
    for (const m of msgs) m.nak(delayFor(m));
    stats.retried += msgs.length;
    metrics?.retried(msgs.length, why);
    const now = Date.now();
    if (now - lastRetryLog > 5000) {
      lastRetryLog = now;
      log.warn(
        {
          why,
          code: sqlState(err),
          error: err instanceof Error ? err.message : undefined,
          messages: msgs.length,
        },
        'flows not stored yet; redelivery scheduled',
      );
    }
  };

  const letter = ({ msg, reason }: Dead): DeadLetter => ({
    subject: msg.subject,
    reason,
    payload: msg.data,
    streamSeq: msg.seq,
    deliveryCount: msg.info.deliveryCount,
  });

  async function commitAndAck(
    ready: readonly { msg: JsMsg; prepared: PreparedFlow }[],
    dead: readonly Dead[],
  ): Promise<void> {
    let summaries: FlowSummary[];
    try {
      summaries = await store.commit({
        flows: ready.map((r) => r.prepared),
        deadLetters: dead.map(letter),
      });
    } catch (err) {
      if (isDataError(err) && ready.length + dead.length > 1) {
        // One bad row fails the whole statement: store the rest one by one to find it.
        if (dead.length > 0) await commitAndAck([], dead);
        for (const r of ready) await commitAndAck([r], []);
        return;
      }
      const single = ready[0];
      if (isDataError(err) && single && dead.length === 0) {
        log.warn(
          { flowId: single.prepared.id, code: sqlState(err) },
          'database refused a flow; dead-lettered',
        );
        return commitAndAck(
          [],
          [
            {
              msg: single.msg,
              reason: `database refused the flow (SQLSTATE ${sqlState(err) ?? '?'}): ${(err as Error).message.slice(0, 500)}`,
            },
          ],
        );
      }
      return retry([...ready.map((r) => r.msg), ...dead.map((d) => d.msg)], 'database', err);
    }
    for (const r of ready) r.msg.ack();
    for (const d of dead) {
      // Acknowledged, not term()'ed: the dead-letter row is now the message's durable home, and a
      // term()'ed message stays in a work-queue stream on nats-server 2.9, filling it for ever.
      d.msg.ack();
      log.warn(
        { subject: d.msg.subject, seq: d.msg.seq, reason: d.reason.slice(0, 300) },
        'message dead-lettered',
      );
    }
    stats.stored += summaries.length;
    stats.duplicates += ready.length - summaries.length;
    stats.deadLetters += dead.length;
    metrics?.stored(summaries.length);
    metrics?.duplicates(ready.length - summaries.length);
    metrics?.deadLettered(dead.length);
    if (summaries.length > 0) live?.(summaries);
  }

  async function processBatch(msgs: readonly JsMsg[], handles: JetStreamHandles): Promise<void> {
    stats.batches++;
    metrics?.received(msgs.length);
    const dead: Dead[] = [];
    const candidates: { msg: JsMsg; item: IngestItem }[] = [];
    for (const msg of msgs) {
      const parsed = parseFlowMessage(msg);
      if ('reason' in parsed) dead.push({ msg, reason: parsed.reason });
      else candidates.push({ msg, item: parsed.item });
    }

    const refs = [...new Set(candidates.flatMap((c) => refsOf(c.item.flow)))];
    let stored: Set<string>;
    try {
      stored = await store.existingBodies(refs);
    } catch (err) {
      return retry(msgs, 'database', err);
    }
    const toFetch = refs.filter((sha) => !stored.has(sha));
    let fetched = new Map<string, FetchedBody>();
    if (toFetch.length > 0) {
      for (const m of msgs) m.working(); // large bodies may take a while: keep the ack deadline away
      fetched = await fetchBodies(handles.jsm, toFetch, { maxBytes: maxBodyBytes });
      for (const [sha, f] of fetched)
        if (f.kind === 'bad')
          log.warn(
            { sha256: sha, reason: f.reason },
            'BODIES object unusable: flows stored without it',
          );
    }

    const ready: { msg: JsMsg; prepared: PreparedFlow }[] = [];
    const later: JsMsg[] = [];
    for (const { msg, item } of candidates) {
      const bodies = new Map<string, Uint8Array>();
      const bad = new Set<string>();
      let outcome: 'ok' | 'later' | { dead: string } = 'ok';
      for (const sha of refsOf(item.flow)) {
        if (stored.has(sha)) continue;
        const f = fetched.get(sha);
        if (f?.kind === 'ok') bodies.set(sha, f.data);
        else if (f?.kind === 'bad') bad.add(sha);
        else if (f?.kind === 'too-large')
          outcome = {
            dead: `body BODIES/${sha} is ${f.size} bytes, over the ${maxBodyBytes}-byte limit`,
          };
        else if (f?.kind === 'missing' && msg.info.deliveryCount >= missingBodyDeliveries)
          outcome = { dead: `body BODIES/${sha} is missing from the object store` };
        else if (outcome === 'ok') outcome = 'later';
      }
      if (outcome === 'later') later.push(msg);
      else if (outcome !== 'ok') dead.push({ msg, reason: outcome.dead });
      else {
        try {
          // a body BODIES cannot give back as the bytes it names (a bogus or damaged object, e.g.
          // a malicious sensor's meta record) is dropped with an anomaly: retried forever or
          // dead-lettered, one bad object would cost the flow or stall ingest
          const flow = bad.size > 0 ? dropBodies(item.flow, 'object-store-bad', bad) : item.flow;
          ready.push({ msg, prepared: store.prepare({ ...item, flow, bodies }) });
        } catch (err) {
          if (!(err instanceof InvalidFlowError)) throw err;
          dead.push({ msg, reason: err.message });
        }
      }
    }
    if (later.length > 0) retry(later, 'body-missing');
    await commitAndAck(ready, dead);
  }

  async function sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wake = undefined;
  }

  async function setup(): Promise<JetStreamHandles | undefined> {
    for (let attempt = 1; !stopping; attempt++) {
      try {
        return await ensureJetStream(nc, log, options);
      } catch (err) {
        const delay = Math.min(30_000, 500 * 2 ** Math.min(6, attempt));
        log.warn(
          { error: err instanceof Error ? err.message : String(err), attempt, retryInMs: delay },
          'JetStream not ready; retrying',
        );
        await sleep(delay);
      }
    }
    return undefined;
  }

  async function run(handles: JetStreamHandles, started: () => void): Promise<void> {
    for (let failures = 0; !stopping;) {
      try {
        const consumer = await handles.js.consumers.get(FLOWS_STREAM, INGEST_CONSUMER);
        // Enough prefetched for every batch in flight plus the next one being filled.
        messages = await consumer.consume({
          max_messages: Math.max(batchSize * (concurrency + 1), 100),
        });
        started();
        failures = 0;
        const batcher = createMicroBatcher(messages, { max: batchSize, maxWaitMs: batchWaitMs });
        // A few batches in flight: some are parsed and hashed here while others commit in
        // Postgres (their own backends, so both cores work). Measured on 2 cores: 4 in flight
        // ingest ~1.7× what 2 did; 6–8 were slower again (index page contention, BENCHMARKS.md).
        const inFlight = new Set<Promise<void>>();
        for (let batch = await batcher.next(); batch !== null; batch = await batcher.next()) {
          // Prefetched after stop: hand back at once so another analyzer takes them.
          if (stopping) {
            for (const m of batch) m.nak();
            continue;
          }
          const current = batch;
          const began = performance.now();
          const done: Promise<void> = processBatch(current, handles)
            .catch((err: unknown) => retry(current, 'error', err))
            .finally(() => {
              inFlight.delete(done);
              metrics?.batch(current.length, (performance.now() - began) / 1000);
            });
          inFlight.add(done);
          if (inFlight.size >= concurrency) await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
        if (!stopping)
          log.warn({ consumer: INGEST_CONSUMER }, 'consumer stopped delivering; resubscribing');
      } catch (err) {
        if (stopping) break;
        failures++;
        log.warn(
          { error: err instanceof Error ? err.message : String(err), failures },
          'ingest consumer failed; retrying',
        );
        await sleep(Math.min(30_000, 500 * 2 ** Math.min(6, failures)));
      }
    }
  }

  return {
    ensureJetStream: () => ensureJetStream(nc, log, options),
    start() {
      if (loop) throw new Error('ingest already started');
      return new Promise<void>((resolve) => {
        loop = (async () => {
          const handles = await setup();
          if (handles) await run(handles, resolve);
          resolve();
        })();
      });
    },
    async stop() {
      stopping = true;
      wake?.();
      // close() waits for the server; do not let a dead connection hold shutdown.
      await Promise.race([
        messages?.close().catch(() => undefined),
        new Promise((r) => setTimeout(r, 5000).unref()),
      ]);
      await loop;
    },
    stats,
  };
}
