/**
 * Ingest benchmark: flows/s from a pre-filled FLOWS stream into PostgreSQL through real analyzer
 * processes (`honeyproxy-analyzer serve`, one, then two sharing the consumer), measured in the same
 * run as the raw insert ceiling: the same rows (as the analyzer prepares them) inserted straight
 * into the same tables with `INSERT … SELECT FROM unnest(…)`, one transaction per batch.
 *
 *   node bench/ingest-bench.mjs [--flows 200000] [--body 1024] [--batch 500] [--reps 1]
 *                               [--concurrency 4] [--analyzers 1,2] [--indexes all|base]
 *                               [--cpu-prof DIR] [--keep] [--json]
 *
 * Private nats-server (testkit) and a temporary database on the local PostgreSQL; every flow has a
 * distinct random body inline (so every flow also writes one bodies row). An analyzer run is timed
 * from the first flow taken off the stream (start-up excluded) until the consumer has nothing
 * pending or unacknowledged, then the stored count is checked: exactly --flows flows and bodies.
 * Needs `npm run build` first. Prints a markdown table (and JSON with --json).
 */
import process from 'node:process';
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { sql } from 'kysely';
import pg from 'pg';
import {
  createDatabase,
  ensureJetStream,
  migrateToLatest,
  prepareFlow,
} from '@honeyproxy/analyzer';
import { createLogger } from '@honeyproxy/common';
import { FLOWS_STREAM, INGEST_CONSUMER, flowSubject } from '@honeyproxy/protocol';
import { createTempDatabase, freePort, sampleFlow, startNatsServer } from '@honeyproxy/testkit';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const opts = {
  flows: 200_000,
  body: 1024,
  batch: 500,
  concurrency: 4,
  reps: 1,
  analyzers: '1,2',
  'cpu-prof': '',
  keep: false,
  json: false,
  'skip-ceiling': false,
  /** 'all': the schema as migrated; 'base': without the indexes added after 0001 (for comparison). */
  indexes: 'all',
};
const args = process.argv.slice(2);
while (args.length > 0) {
  const key = args.shift().replace(/^--/, '');
  if (!(key in opts)) {
    process.stderr.write(`unknown option --${key}\n`);
    process.exit(2);
  }
  if (typeof opts[key] === 'boolean') opts[key] = true;
  else opts[key] = typeof opts[key] === 'number' ? Number(args.shift()) : String(args.shift());
}
const SENSOR = 'bench';
const log = createLogger({ name: 'bench', level: 'warn' });
const say = (line) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

// ------------------------------------------------------------------ the flows, made once
say(`generating ${opts.flows} flows with ${opts.body}-byte bodies`);
const t0 = Date.now() - opts.flows;
const payloads = [];
for (let i = 0; i < opts.flows; i++) {
  const { flow } = sampleFlow({
    sensorId: SENSOR,
    start: t0 + i + Math.random() / 2,
    url: `http://bench.test/${i}?q=${i % 97}`,
    responseBody: randomBytes(opts.body),
  });
  payloads.push({ id: flow.flowId, json: JSON.stringify(flow), flow });
}

const nats = await startNatsServer();
const temp = await createTempDatabase('hp_bench');
const db = createDatabase(temp.url, { max: 4 });
const dir = await mkdtemp(join(tmpdir(), 'hp-ingest-bench-'));
const cleanup = async () => {
  await db.destroy().catch(() => undefined);
  if (!opts.keep) await temp.close().catch(() => undefined);
  await nats.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
};
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

const results = [];
let flowIndexes = 0;
try {
  await migrateToLatest(db, log);
  const { rows: indexRows } =
    await sql`SELECT indexname FROM pg_indexes WHERE tablename = 'flows'`.execute(db);
  if (opts.indexes === 'base') {
    const base = new Set([
      'flows_pkey',
      'flows_started_idx',
      'flows_sensor_started_idx',
      'flows_request_body_idx',
      'flows_response_body_idx',
    ]);
    for (const { indexname } of indexRows)
      if (!base.has(indexname)) await sql`DROP INDEX ${sql.id(indexname)}`.execute(db);
  }
  flowIndexes = (
    await sql`SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'flows'`.execute(db)
  ).rows[0].n;
  say(`flows table has ${flowIndexes} indexes`);
  const nc = await connect({ servers: nats.url, name: 'bench' });
  await ensureJetStream(nc, log);
  const js = jetstream(nc, { timeout: 30_000 });
  const jsm = await jetstreamManager(nc);

  const reset = () => sql`TRUNCATE flows, bodies, dead_letters`.execute(db);
  const counts = async () => {
    const { rows } = await sql`SELECT (SELECT count(*) FROM flows)::int AS flows,
      (SELECT count(*) FROM bodies)::int AS bodies`.execute(db);
    return rows[0];
  };

  // ---------------------------------------------------------------- raw ceiling (no NATS, no Node work)
  // The rows exactly as the analyzer writes them: prepareFlow's row JSON and verified body bytes.
  const prepared = payloads.map((p) =>
    prepareFlow({ sensorId: SENSOR, flow: p.flow, bodies: new Map() }),
  );
  const { rows: columnTypes } = await sql`
    SELECT column_name AS name, udt_name AS type FROM information_schema.columns
    WHERE table_name = 'flows' AND table_schema = current_schema()`.execute(db);
  const typeOf = new Map(columnTypes.map((c) => [c.name, c.type]));
  const rowObjects = prepared.map((p) => JSON.parse(p.rowJson));
  const columns = Object.keys(rowObjects[0]);

  const RECORDSET_TYPES = columns.map((col) => `${col} ${typeOf.get(col)}`).join(', ');
  async function ceiling(connections, method = 'unnest') {
    await reset();
    const clients = [];
    for (let i = 0; i < connections; i++) {
      const c = new pg.Client({ connectionString: temp.url });
      await c.connect();
      clients.push(c);
    }
    const batches = [];
    for (let i = 0; i < prepared.length; i += opts.batch) batches.push(i);
    const started = performance.now();
    let next = 0;
    await Promise.all(
      clients.map(async (c) => {
        for (let b = next++; b < batches.length; b = next++) {
          const from = batches[b];
          const rows = rowObjects.slice(from, from + opts.batch);
          const bodies = prepared.slice(from, from + opts.batch).flatMap((p) => p.bodies);
          const params = columns.map((col) =>
            rows.map((r) =>
              r[col] === null || r[col] === undefined
                ? null
                : typeof r[col] === 'object'
                  ? JSON.stringify(r[col])
                  : r[col],
            ),
          );
          const list = columns.join(', ');
          const unnest = columns.map((col, i) => `$${i + 1}::${typeOf.get(col)}[]`).join(', ');
          const n = columns.length;
          await c.query('BEGIN');
          await c.query(
            `INSERT INTO bodies (sha256, len, data) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[]) ON CONFLICT (sha256) DO NOTHING`,
            [
              bodies.map((x) => x.sha256),
              bodies.map((x) => x.data.byteLength),
              bodies.map((x) => Buffer.from(x.data)),
            ],
          );
          if (method === 'unnest') {
            await c.query(
              `INSERT INTO flows (${list}) SELECT * FROM unnest(${unnest}) ON CONFLICT (id) DO NOTHING`,
              params,
            );
          } else {
            // What the analyzer sends: the rows as one JSON text, typed by jsonb_to_recordset.
            const json = `[${prepared
              .slice(from, from + opts.batch)
              .map((p) => p.rowJson)
              .join(',')}]`;
            await c.query(
              `INSERT INTO flows (${list}) SELECT ${list} FROM jsonb_to_recordset($1::text::jsonb) AS x(${RECORDSET_TYPES}) ON CONFLICT (id) DO NOTHING`,
              [json],
            );
          }
          await c.query('COMMIT');
          void n;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(clients.map((c) => c.end()));
    const stored = await counts();
    if (stored.flows !== opts.flows) throw new Error(`ceiling stored ${stored.flows} flows`);
    return {
      what: `raw INSERT … ${method === 'unnest' ? 'unnest' : 'jsonb_to_recordset'}, ${connections} connection(s)`,
      seconds,
      rate: opts.flows / seconds,
    };
  }

  // ---------------------------------------------------------------- analyzer processes
  let fills = 0;
  async function prefill() {
    await jsm.streams.purge(FLOWS_STREAM);
    fills++; // a new msgID each fill: the same one would be dropped as a duplicate
    const started = performance.now();
    const window = new Set();
    for (const p of payloads) {
      const pub = js
        .publish(flowSubject(SENSOR), p.json, { msgID: `${p.id}.${fills}` })
        .finally(() => window.delete(pub));
      window.add(pub);
      if (window.size >= 1000) await Promise.race(window);
    }
    await Promise.all(window);
    const info = await jsm.streams.info(FLOWS_STREAM);
    if (info.state.messages !== opts.flows) throw new Error(`FLOWS holds ${info.state.messages}`);
    say(
      `pre-filled FLOWS: ${opts.flows} flows, ${(info.state.bytes / 1024 ** 2).toFixed(0)} MiB, ${(opts.flows / ((performance.now() - started) / 1000)).toFixed(0)} publishes/s`,
    );
  }

  async function startAnalyzer(i, label) {
    const port = await freePort();
    const nodeArgs = ['--enable-source-maps'];
    if (opts['cpu-prof'])
      nodeArgs.push(
        '--cpu-prof',
        `--cpu-prof-dir=${resolve(opts['cpu-prof'])}`,
        `--cpu-prof-name=${label}-${i}-${Date.now()}.cpuprofile`,
      );
    const child = spawn(
      process.execPath,
      [...nodeArgs, join(ROOT, 'analyzer/dist/main.js'), 'serve'],
      {
        env: {
          ...process.env,
          HONEYPROXY_DATABASE_URL: temp.url,
          HONEYPROXY_NATS_URL: nats.url,
          HONEYPROXY_HTTP_HOST: '127.0.0.1',
          HONEYPROXY_HTTP_PORT: String(port),
          HONEYPROXY_DATA_DIR: join(dir, `a${i}`),
          HONEYPROXY_BOOTSTRAP_USER: 'bench:bench-password',
          HONEYPROXY_INGEST_BATCH: String(opts.batch),
          HONEYPROXY_INGEST_CONCURRENCY: String(opts.concurrency),
          HONEYPROXY_LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    return child;
  }

  async function analyzers(count) {
    await reset();
    await prefill();
    const children = [];
    for (let i = 0; i < count; i++) children.push(await startAnalyzer(i, `analyzers${count}`));
    let first;
    let last;
    for (;;) {
      const c = await jsm.consumers.info(FLOWS_STREAM, INGEST_CONSUMER);
      const now = performance.now();
      if (first === undefined && c.num_pending < opts.flows) first = now;
      if (c.num_pending === 0 && c.num_ack_pending === 0) {
        last = now;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all(
      children.map(
        (child) =>
          new Promise((r) => {
            child.once('exit', r);
            child.kill('SIGTERM');
          }),
      ),
    );
    const stored = await counts();
    if (stored.flows !== opts.flows || stored.bodies !== opts.flows)
      throw new Error(`${count} analyzer(s) stored ${stored.flows} flows, ${stored.bodies} bodies`);
    const seconds = (last - first) / 1000;
    return {
      what: `${count} analyzer process(es), JetStream → PostgreSQL`,
      seconds,
      rate: opts.flows / seconds,
    };
  }

  for (let rep = 1; rep <= opts.reps; rep++) {
    for (const [connections, method] of opts['skip-ceiling']
      ? []
      : [
          [1, 'unnest'],
          [2, 'unnest'],
          [2, 'recordset'],
        ]) {
      const r = await ceiling(connections, method);
      say(`rep ${rep}: ${r.what}: ${r.rate.toFixed(0)} flows/s`);
      results.push({ rep, ...r });
    }
    for (const count of opts.analyzers.split(',').map(Number)) {
      const r = await analyzers(count);
      say(`rep ${rep}: ${r.what}: ${r.rate.toFixed(0)} flows/s`);
      results.push({ rep, ...r });
    }
  }
  await nc.close();
} finally {
  await cleanup();
}

// ------------------------------------------------------------------ report
const best = new Map();
for (const r of results) best.set(r.what, Math.max(best.get(r.what) ?? 0, r.rate));
const top = Math.max(1, ...[...best].filter(([w]) => w.includes('unnest')).map(([, v]) => v));
const lines = [
  `flows ${opts.flows}, ${opts.body}-byte inline bodies (distinct), batch ${opts.batch}, concurrency ${opts.concurrency}, reps ${opts.reps}, ` +
    `${flowIndexes} indexes on flows; ` +
    `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, ` +
    `Node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} at the end`,
  '',
  '| what | flows/s (best of reps) | runs | of ceiling |',
  '|---|---|---|---|',
  ...[...best].map(
    ([what, rate]) =>
      `| ${what} | ${rate.toFixed(0)} | ${results
        .filter((r) => r.what === what)
        .map((r) => r.rate.toFixed(0))
        .join(', ')} | ${((100 * rate) / top).toFixed(0)} % |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
if (opts.json) process.stdout.write(`${JSON.stringify(results)}\n`);
