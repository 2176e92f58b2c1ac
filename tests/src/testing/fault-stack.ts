/**
 * The distributed deployment for delivery fault tests: nats-server, Postgres (the shared server, or
 * a private cluster a test may restart), a load origin, analyzer process(es) and a sensor process,
 * all restartable, plus the one check every fault test ends with — every exchange the load
 * generator saw answered is stored exactly once, with the body hash the client saw, and nothing is
 * left in any backlog.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { FLOWS_STREAM, INGEST_CONSUMER } from '@honeyproxy/protocol';
import {
  createTempDatabase,
  freePort,
  startLoadOrigin,
  startNatsServer,
  startPostgresServer,
  waitUntil,
  type CleanupList,
  type LoadOrigin,
  type LoadResult,
  type NatsServer,
  type PostgresServer,
} from '@honeyproxy/testkit';
import { startAnalyzer, tempDir, type AnalyzerProcess } from './service-stacks.js';
import { startService, type ServiceProcess } from './service-process.js';

/** Redelivery delay for what a killed analyzer held (the analyzer's default is 60 s). */
export const FAULT_ACK_WAIT_MS = 3000;

export interface FaultStack {
  readonly nats: NatsServer;
  /** Present when the stack runs its own Postgres cluster (`privatePostgres`). */
  readonly postgres?: PostgresServer;
  readonly databaseUrl: string;
  readonly origin: LoadOrigin;
  readonly proxyPort: number;
  readonly sensorId: string;
  readonly sensorDataDir: string;
  sensor: ServiceProcess;
  readonly analyzers: AnalyzerProcess[];
  /** Starts another analyzer process on the same NATS and database. */
  addAnalyzer(name: string): Promise<AnalyzerProcess>;
  /** Starts the sensor again (same port, data dir and spool) after it stopped or was killed. */
  restartSensor(): Promise<ServiceProcess>;
  /** A client for the database the analyzers write to. */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  jsm(): Promise<JetStreamManager>;
}

export interface FaultStackOptions {
  readonly analyzers?: number;
  /** Run a private Postgres cluster (for tests that restart Postgres). */
  readonly privatePostgres?: boolean;
  readonly sensorEnv?: Record<string, string>;
  readonly analyzerEnv?: Record<string, string>;
}

export async function startFaultStack(
  cleanup: CleanupList,
  options: FaultStackOptions = {},
): Promise<FaultStack> {
  const dir = await tempDir(cleanup, 'hp-fault-');
  const [nats, origin] = await Promise.all([startNatsServer(), startLoadOrigin()]);
  cleanup.add(() => nats.close());
  cleanup.add(() => origin.close());
  let postgres: PostgresServer | undefined;
  let databaseUrl: string;
  if (options.privatePostgres) {
    postgres = await startPostgresServer();
    cleanup.add(() => postgres?.close());
    databaseUrl = postgres.url;
  } else {
    const db = await createTempDatabase('hp_fault');
    cleanup.add(() => db.close());
    databaseUrl = db.url;
  }

  const analyzers: AnalyzerProcess[] = [];
  const addAnalyzer = async (name: string) => {
    const analyzer = await startAnalyzer(cleanup, {
      natsUrl: nats.url,
      databaseUrl,
      dataDir: join(dir, name),
      name,
      env: { HONEYPROXY_INGEST_BATCH: '50', ...options.analyzerEnv },
    });
    analyzers.push(analyzer);
    return analyzer;
  };
  for (let i = 0; i < (options.analyzers ?? 1); i++) await addAnalyzer(`analyzer-${i + 1}`);

  const nc: NatsConnection = await connect({ servers: nats.url, maxReconnectAttempts: -1 });
  cleanup.add(() => nc.close());
  let manager: JetStreamManager | undefined;
  const jsm = async () => (manager ??= await jetstreamManager(nc));
  await (
    await jsm()
  ).consumers.update(FLOWS_STREAM, INGEST_CONSUMER, {
    ack_wait: nanos(FAULT_ACK_WAIT_MS),
  });

  const proxyPort = await freePort();
  const sensorId = 'fault-sensor';
  const sensorDataDir = join(dir, 'sensor');
  const launchSensor = async () => {
    const proc = startService('sensor', {
      env: {
        HONEYPROXY_PROXY_PORT: String(proxyPort),
        HONEYPROXY_DATA_DIR: sensorDataDir,
        HONEYPROXY_NATS_URL: nats.url,
        HONEYPROXY_SENSOR_ID: sensorId,
        // the load origin is on loopback, which a production sensor refuses to reach
        HONEYPROXY_ALLOW_DESTINATIONS: '127.0.0.0/8',
        ...options.sensorEnv,
      },
    });
    cleanup.add(() => proc.stop());
    await proc.waitForLog((l) => l.msg === 'sensor started', 'sensor started', 30_000);
    return proc;
  };
  const stack: FaultStack = {
    nats,
    ...(postgres && { postgres }),
    databaseUrl,
    origin,
    proxyPort,
    sensorId,
    sensorDataDir,
    sensor: await launchSensor(),
    analyzers,
    addAnalyzer,
    async restartSensor() {
      stack.sensor = await launchSensor();
      return stack.sensor;
    },
    async query(text, values) {
      // a fresh client each time: the server may have been restarted since the last query
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        return await client.query(text, values);
      } finally {
        await client.end();
      }
    },
    jsm,
  };
  return stack;
}

interface StoredRow {
  url: string;
  copies: number;
  response_body_sha256: string | null;
  body_ok: boolean | null;
}

/**
 * Waits until every answered exchange is stored, then asserts: each exactly once (by URL, which is
 * unique per request, and by flow id), each with the client's body sha256, each body's bytes
 * hashing to that sha256, no stray flows of the run, and empty consumer backlogs.
 */
export async function assertDeliveredExactlyOnce(
  stack: FaultStack,
  run: string,
  result: LoadResult,
  timeoutMs = 120_000,
): Promise<void> {
  const expected = result.answered;
  assert.ok(expected.size > 0, 'the load generator saw answers');
  const rows = async () =>
    (
      await stack.query<StoredRow>(
        `SELECT f.url, count(*)::int AS copies, min(f.response_body_sha256) AS response_body_sha256,
                bool_and(b.sha256 IS NOT NULL AND encode(sha256(b.data), 'hex') = b.sha256) AS body_ok
           FROM flows f LEFT JOIN bodies b ON b.sha256 = f.response_body_sha256
          WHERE f.url LIKE $1
          GROUP BY f.url`,
        [`%/load/${run}/%`],
      )
    ).rows;
  const missingNow = async () => {
    const stored = new Set((await rows()).map((r) => r.url));
    return [...expected.keys()].filter((url) => !stored.has(url));
  };
  await waitUntil(async () => (await missingNow()).length === 0, {
    what: `all ${expected.size} answered flows stored`,
    timeoutMs,
    intervalMs: 500,
  }).catch(async (error: unknown) => {
    const missing = await missingNow();
    const logs = stack.analyzers.map((a) => a.proc.describe()).join('\n');
    throw new Error(
      `${missing.length} of ${expected.size} answered flows never stored, e.g. ${missing.slice(0, 3).join(', ')}\n` +
        `sensor: ${stack.sensor.describe()}\nanalyzers: ${logs}`,
      { cause: error },
    );
  });
  const stored = await rows();
  const byUrl = new Map(stored.map((r) => [r.url, r]));
  const missing = [...expected.keys()].filter((url) => !byUrl.has(url));
  assert.deepEqual(missing, [], 'every answered exchange is stored');
  const duplicated = stored.filter((r) => r.copies !== 1).map((r) => `${r.url} ×${r.copies}`);
  assert.deepEqual(duplicated, [], 'each exchange is stored exactly once');
  const wrongHash = [...expected].filter(
    ([url, sha256]) => byUrl.get(url)?.response_body_sha256 !== sha256,
  );
  assert.deepEqual(wrongHash, [], "each stored body's sha256 is the one the client received");
  const badBodies = stored.filter((r) => r.body_ok !== true).map((r) => r.url);
  assert.deepEqual(badBodies, [], 'each stored body hashes to its sha256');
  // A request that failed on the client side may still have been captured (the sensor saw the
  // answer go out before it was killed); anything else stored must be one of the answered ones.
  const stray = stored.filter((r) => !expected.has(r.url)).length;
  assert.ok(
    stray <= result.failed,
    `${stray} stored flows the client never saw answered, but only ${result.failed} requests failed`,
  );

  const jsm = await stack.jsm();
  await waitUntil(
    async () => {
      const info = await jsm.consumers.info(FLOWS_STREAM, INGEST_CONSUMER);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    },
    { what: 'an empty ingest backlog', timeoutMs: 30_000 },
  );
  // the sensor's own backlog, as its heartbeats (every 10 s) report it
  await waitUntil(
    async () => {
      const { rows: sensors } = await stack.query<{ backlog: string | null }>(
        `SELECT heartbeat->>'backlog' AS backlog FROM sensors WHERE id = $1`,
        [stack.sensorId],
      );
      return sensors[0]?.backlog === '0';
    },
    {
      what: "the sensor's heartbeat reporting an empty backlog",
      timeoutMs: 40_000,
      intervalMs: 500,
    },
  );
}

/** Waits until the load generator has seen `count` more answers than it had. */
export async function answeredAtLeast(
  load: { readonly answeredCount: number },
  count: number,
  timeoutMs = 60_000,
): Promise<void> {
  const target = load.answeredCount + count;
  await waitUntil(() => load.answeredCount >= target, {
    what: `${target} answered requests`,
    timeoutMs,
    intervalMs: 100,
  });
}
