/**
 * Scale-out: two analyzer processes share one NATS consumer (`ingest`) and one database. Flows
 * published straight to JetStream (msgID = flowId) are stored exactly once whoever takes them, a
 * browser-like WebSocket on one analyzer sees what the other stored, and an analyzer killed with
 * SIGKILL while it holds unacknowledged flows loses and duplicates nothing (they are redelivered).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import WebSocket from 'ws';
import {
  FLOWS_STREAM,
  INGEST_CONSUMER,
  flowSubject,
  liveMessageCodec,
  liveTicketCodec,
  type FlowMessage,
} from '@honeyproxy/protocol';
import {
  createCleanupList,
  createTempDatabase,
  sampleFlow,
  startNatsServer,
  waitForValue,
  waitUntil,
} from '@honeyproxy/testkit';
import { startAnalyzer, tempDir, type AnalyzerProcess } from './testing/service-stacks.js';
import type { ServiceProcess } from './testing/service-process.js';

const N = 600;
const SENSOR = 'scale-sensor';
/** Redelivery delay for what a killed analyzer held (the analyzer's default is 60 s). */
const ACK_WAIT_MS = 3000;

/** N distinct valid flows (FlowMessage v1), small bodies inline. */
function generateFlows(run: string, count: number): FlowMessage[] {
  const t0 = Date.now();
  return Array.from(
    { length: count },
    (_, i) =>
      sampleFlow({
        sensorId: SENSOR,
        start: t0 + i + Math.random() / 2,
        url: `http://scale.test/${run}/${i}`,
        responseBody: new TextEncoder().encode(`${run} flow ${i}`),
      }).flow,
  );
}

async function publish(js: JetStreamClient, flows: readonly FlowMessage[]): Promise<void> {
  await Promise.all(
    flows.map((flow) =>
      js.publish(flowSubject(SENSOR), JSON.stringify(flow), { msgID: flow.flowId }),
    ),
  );
}

/** Sum of rows an analyzer inserted, from its debug 'batch committed' lines. */
function inserted(proc: ServiceProcess): number {
  return proc
    .logs()
    .filter((l) => l.msg === 'batch committed')
    .reduce((sum, l) => sum + (typeof l['inserted'] === 'number' ? l['inserted'] : 0), 0);
}

describe(
  'two analyzer processes on one NATS consumer and one database',
  { timeout: 150_000 },
  () => {
    const cleanup = createCleanupList();
    let a: AnalyzerProcess;
    let b: AnalyzerProcess;
    let nc: NatsConnection;
    let js: JetStreamClient;
    let jsm: JetStreamManager;
    let db: pg.Client;
    /** Flow ids the WebSocket on analyzer A announced, with how many times. */
    const announced = new Map<string, number>();

    const storedIds = async (prefix: string): Promise<string[]> => {
      const { rows } = await db.query<{ id: string }>('SELECT id FROM flows WHERE url LIKE $1', [
        `http://scale.test/${prefix}/%`,
      ]);
      return rows.map((r) => r.id);
    };

    before(async () => {
      const dir = await tempDir(cleanup, 'hp-e2e-scale-');
      const [nats, database] = await Promise.all([
        startNatsServer(),
        createTempDatabase('hp_e2e_scale'),
      ]);
      cleanup.add(() => nats.close());
      cleanup.add(() => database.close());
      // small batches so both analyzers take part (each prefetches max(2 × batch, 100) messages)
      const env = { HONEYPROXY_INGEST_BATCH: '20', HONEYPROXY_LOG_LEVEL: 'debug' };
      [a, b] = (await Promise.all(
        ['A', 'B'].map((name) =>
          startAnalyzer(cleanup, {
            natsUrl: nats.url,
            databaseUrl: database.url,
            dataDir: join(dir, name),
            name: `analyzer ${name}`,
            env,
          }),
        ),
      )) as [AnalyzerProcess, AnalyzerProcess];

      nc = await connect({ servers: nats.url });
      cleanup.add(() => nc.close());
      js = jetstream(nc);
      jsm = await jetstreamManager(nc);
      await jsm.consumers.update(FLOWS_STREAM, INGEST_CONSUMER, { ack_wait: nanos(ACK_WAIT_MS) });
      db = new pg.Client({ connectionString: database.url });
      await db.connect();
      cleanup.add(() => db.end());

      const { ticket } = liveTicketCodec.decode(await a.api.json('/api/live/ticket'));
      const ws = new WebSocket(
        `ws://127.0.0.1:${a.httpPort}/api/live?ticket=${encodeURIComponent(ticket)}`,
      );
      cleanup.add(() => ws.close());
      await new Promise<void>((resolve, reject) => {
        ws.on('message', (data: Buffer) => {
          const message = liveMessageCodec.decodeJson(new Uint8Array(data));
          if (message.type === 'hello') resolve();
          else announced.set(message.flow.id, (announced.get(message.flow.id) ?? 0) + 1);
        });
        ws.once('error', reject);
        ws.once('unexpected-response', (_req, res) =>
          reject(new Error(`live socket refused: ${String(res.statusCode)}`)),
        );
      });
    });
    after(() => cleanup.run());

    it('stores every published flow exactly once, shared between both, and announces each once on either analyzer', async () => {
      const flows = generateFlows('first', N);
      await publish(js, flows);
      await publish(js, flows.slice(0, 50)); // a sensor's retries: deduplicated by msgID
      const ids = flows.map((f) => f.flowId).sort();
      await waitUntil(async () => (await storedIds('first')).length >= N, {
        what: `${N} rows`,
        timeoutMs: 30_000,
      });
      assert.deepEqual((await storedIds('first')).sort(), ids);

      await waitUntil(() => inserted(a.proc) + inserted(b.proc) >= N, {
        what: 'both analyzers logged their batches',
        timeoutMs: 10_000,
      });
      const [byA, byB] = [inserted(a.proc), inserted(b.proc)];
      assert.equal(byA + byB, N, `A stored ${byA}, B stored ${byB}`);
      assert.ok(byA > 0 && byB > 0, `both took part: A ${byA}, B ${byB}`);

      await waitUntil(() => ids.every((id) => announced.has(id)), {
        what: 'every flow announced on A',
        timeoutMs: 10_000,
      });
      const twice = ids.filter((id) => announced.get(id) !== 1);
      assert.deepEqual(twice, [], 'each flow announced exactly once, including the ones B stored');
      const page = await a.api.flows('?limit=5');
      assert.equal(page.flows[0]?.id, flows[N - 1]?.flowId, 'the API on A lists the newest first');
    });

    it('still stores every flow exactly once when an analyzer holding unacknowledged flows is killed with SIGKILL', async () => {
      const flows = generateFlows('second', N);
      const ids = flows.map((f) => f.flowId).sort();
      // B hangs (SIGSTOP): the server still fills its outstanding pull, so B ends up holding
      // delivered, unacknowledged flows while A stores the rest
      process.kill(b.proc.pid, 'SIGSTOP');
      for (let i = 0; i < N; i += 100) await publish(js, flows.slice(i, i + 100));
      const snapshot = async () => {
        const info = await jsm.consumers.info(FLOWS_STREAM, INGEST_CONSUMER);
        return {
          stored: (await storedIds('second')).length,
          pending: info.num_pending,
          unacked: info.num_ack_pending,
        };
      };
      const held = await waitForValue(
        async () => {
          const first = await snapshot();
          await new Promise((resolve) => setTimeout(resolve, 300));
          const settled = JSON.stringify(first) === JSON.stringify(await snapshot()); // A is idle
          return settled &&
            first.unacked > 0 &&
            first.pending === 0 &&
            first.stored + first.unacked === N
            ? first.unacked
            : undefined;
        },
        { what: 'B holding flows while A stored all the others', timeoutMs: 20_000 },
      );
      const exit = await b.proc.kill9();
      assert.equal(exit.signal, 'SIGKILL');
      assert.equal((await storedIds('second')).length, N - held, `B died holding ${held} flows`);

      await waitUntil(async () => (await storedIds('second')).length >= N, {
        what: `all ${N} rows after redelivery`,
        timeoutMs: 40_000,
      });
      assert.deepEqual(
        (await storedIds('second')).sort(),
        ids,
        'exactly the published flows, none twice',
      );
      const { rows } = await db.query<{ flows: string; letters: string }>(
        'SELECT (SELECT count(*) FROM flows) AS flows, (SELECT count(*) FROM dead_letters) AS letters',
      );
      assert.deepEqual(rows[0], { flows: String(2 * N), letters: '0' });
      await waitUntil(
        async () => {
          const info = await jsm.consumers.info(FLOWS_STREAM, INGEST_CONSUMER);
          return info.num_pending === 0 && info.num_ack_pending === 0;
        },
        { what: 'the consumer drained', timeoutMs: 15_000 },
      );
    });
  },
);
