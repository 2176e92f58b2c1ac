/**
 * Ingest benchmark: flows/s from a pre-filled FLOWS stream into PostgreSQL through real analyzer
 * processes (`honeyproxy-analyzer serve`, one, then two sharing the consumer), measured in the same
 * run as the raw insert ceiling: the same rows (as the analyzer prepares them) inserted straight
 * into the same tables with `INSERT … SELECT FROM unnest(…)`, one transaction per batch — and, for
 * comparison, by the other ways a batch can be written (binary COPY straight in, COPY through a
 * temporary table, one jsonb_to_recordset statement).
 *
 *   node bench/ingest-bench.mjs [--flows 200000] [--body 1024] [--batch 500] [--reps 1]
 *                               [--concurrency 4] [--analyzers 1,2] [--indexes all|base]
 *                               [--drop INDEX,INDEX] [--skip-ceiling]
 *                               [--ceiling 1:unnest,2:unnest,2:recordset,2:copy,2:staging]
 *                               [--cpu-prof DIR] [--keep] [--json]
 *
 * Private nats-server (testkit) and a temporary database on the local PostgreSQL; every flow has a
 * distinct random body inline (so every flow also writes one bodies row). An analyzer run is timed
 * from the moment every analyzer process is ingesting (start-up excluded; the flows still pending
 * or unacknowledged then are the work measured) until the consumer has nothing pending or
 * unacknowledged, then the stored count is checked: exactly --flows flows and bodies.
 * Each run also reports CPU µs per flow from /proc: the bench process (ceiling) or the analyzers,
 * the nats-server, and every PostgreSQL process of the machine's server (postmaster, its children
 * and the reaped ones — other work on the same server counts too). On a shared machine throughput
 * follows the load; CPU per flow is the steadier figure. Needs `npm run build` first. Prints a
 * markdown table (and JSON with --json).
 */
import process from 'node:process';
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  BinaryCopyEncoder,
  FLOW_COLUMN_LIST,
  FLOW_COPY_TYPES,
  createDatabase,
  ensureJetStream,
  flowCopyValues,
  flowRowJson,
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
  /** Ceiling runs as connections:method (methods: unnest, recordset, copy, staging). */
  ceiling: '1:unnest,2:unnest,2:recordset,2:copy,2:staging',
  /** Indexes on flows to drop before measuring (comma-separated names), for comparison. */
  drop: '',
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
const METHOD_NAMES = {
  unnest: 'INSERT … unnest',
  recordset: 'INSERT … jsonb_to_recordset',
  copy: 'COPY (binary, straight in)',
  staging: 'COPY (binary) → temp table → INSERT … ON CONFLICT',
};
const log = createLogger({ name: 'bench', level: 'warn' });
const say = (line) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

// ------------------------------------------------------------------ CPU accounting (/proc, Linux)
// Seconds of CPU a process has used (user + system), and with `reaped` also its exited children's
// (the postmaster reaps every backend, so a backend's CPU survives its exit there).
const TICK = 100;
async function cpuOf(pid, reaped = false) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(f[11]) + Number(f[12]);
    return (reaped ? own + Number(f[13]) + Number(f[14]) : own) / TICK;
  } catch {
    return 0;
  }
}
async function processes() {
  const out = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.push({ pid: Number(name), comm, ppid });
    } catch {
      // gone
    }
  }
  return out;
}
/**
 * PostgreSQL CPU spent for this benchmark: the backends connected to its database, by pid (the
 * bench's clients and the analyzers' pools stay connected through a run). Not the shared
 * walwriter/checkpointer, and not other work on the same server.
 */
async function postgresCpu() {
  const { rows } = await sql`SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(db);
  const out = {};
  for (const { pid } of rows) out[pid] = await cpuOf(pid);
  return out;
}
async function natsPid(port) {
  for (const p of await processes()) {
    if (p.comm !== 'nats-server') continue;
    const cmd = await readFile(`/proc/${p.pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.split('\0').includes(String(port))) return p.pid;
  }
  return undefined;
}
/** CPU µs per flow of each part between two snapshots (a number, or CPU seconds by pid). */
const perFlow = (a, b, flows = opts.flows) =>
  Object.fromEntries(
    Object.keys(b).map((k) => {
      const before = a[k] ?? 0;
      const after = b[k];
      const used =
        typeof after === 'number'
          ? after - before
          : Object.entries(after).reduce((n, [pid, v]) => n + v - (before[pid] ?? 0), 0);
      return [k, Math.round((used * 1e6) / flows)];
    }),
  );

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
  for (const name of opts.drop.split(',').filter(Boolean))
    await sql`DROP INDEX ${sql.id(name)}`.execute(db);
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
  // The rows exactly as the analyzer writes them: prepareFlow's columns, record JSON and verified
  // body bytes. Methods: `unnest` (the ceiling's definition), `recordset` (one jsonb_to_recordset),
  // `copy` (binary COPY straight into both tables: no conflict handling, the upper bound), and
  // `staging` (binary COPY into temporary tables, then INSERT … SELECT … ON CONFLICT DO NOTHING).
  const prepared = payloads.map((p) =>
    prepareFlow({ sensorId: SENSOR, flow: p.flow, bodies: new Map() }),
  );
  const columns = FLOW_COLUMN_LIST.split(', ');
  const { rows: columnTypes } = await sql`
    SELECT column_name AS name, format_type(a.atttypid, a.atttypmod) AS type
    FROM information_schema.columns c
    JOIN pg_attribute a ON a.attrelid = 'flows'::regclass AND a.attname = c.column_name
    WHERE c.table_name = 'flows' AND c.table_schema = current_schema()`.execute(db);
  const typeOf = new Map(columnTypes.map((c) => [c.name, c.type]));
  const list = columns.join(', ');
  const RECORDSET_TYPES = columns.map((col) => `${col} ${typeOf.get(col)}`).join(', ');
  const unnestSql = `INSERT INTO flows (${list}) SELECT * FROM unnest(${columns
    .map((col, i) => `$${i + 1}::${typeOf.get(col)}[]`)
    .join(', ')}) ON CONFLICT (id) DO NOTHING`;

  const copyIn = (client, text, data) =>
    new Promise((resolvePromise, reject) => {
      const stream = client.query(copyFrom(text));
      stream.on('finish', resolvePromise);
      stream.on('error', reject);
      stream.end(data);
    });
  const bodiesCopy = (bodies) => {
    const enc = new BinaryCopyEncoder(['text', 'int8', 'bytea'], 600 * 1024);
    for (const b of bodies) enc.row([b.sha256, b.data.byteLength, b.data]);
    return enc.finish();
  };
  const flowsCopy = (flows) => {
    const enc = new BinaryCopyEncoder(FLOW_COPY_TYPES, 1024 * 1024);
    for (const f of flows) enc.row(flowCopyValues(f.row, f.recordJson));
    return enc.finish();
  };

  async function insertBatch(c, method, flows) {
    const bodies = flows.flatMap((p) => p.bodies);
    await c.query('BEGIN');
    if (method === 'copy') {
      await copyIn(
        c,
        'COPY bodies (sha256, len, data) FROM STDIN (FORMAT binary)',
        bodiesCopy(bodies),
      );
      await copyIn(c, `COPY flows (${list}) FROM STDIN (FORMAT binary)`, flowsCopy(flows));
    } else if (method === 'staging') {
      await c.query(
        'CREATE TEMP TABLE IF NOT EXISTS bodies_in (sha256 text, len bigint, data bytea) ON COMMIT DELETE ROWS',
      );
      await c.query(
        `CREATE TEMP TABLE IF NOT EXISTS flows_in (${RECORDSET_TYPES}) ON COMMIT DELETE ROWS`,
      );
      await copyIn(c, 'COPY bodies_in FROM STDIN (FORMAT binary)', bodiesCopy(bodies));
      await c.query(
        'INSERT INTO bodies (sha256, len, data) SELECT * FROM bodies_in ON CONFLICT (sha256) DO NOTHING',
      );
      await copyIn(c, 'COPY flows_in FROM STDIN (FORMAT binary)', flowsCopy(flows));
      await c.query(
        `INSERT INTO flows (${list}) SELECT * FROM flows_in ON CONFLICT (id) DO NOTHING RETURNING id`,
      );
    } else {
      await c.query(
        `INSERT INTO bodies (sha256, len, data) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[]) ON CONFLICT (sha256) DO NOTHING`,
        [
          bodies.map((x) => x.sha256),
          bodies.map((x) => x.data.byteLength),
          bodies.map((x) => Buffer.from(x.data)),
        ],
      );
      if (method === 'unnest') {
        const params = columns.map((col) =>
          flows.map((f) => (col === 'record' ? f.recordJson : f.row[col])),
        );
        await c.query(unnestSql, params);
      } else {
        // What the analyzer sends on PGlite: the rows as one JSON text, typed by jsonb_to_recordset.
        const json = `[${flows.map((f) => flowRowJson(f.row, f.recordJson)).join(',')}]`;
        await c.query(
          `INSERT INTO flows (${list}) SELECT ${list} FROM jsonb_to_recordset($1::text::jsonb) AS x(${RECORDSET_TYPES}) ON CONFLICT (id) DO NOTHING`,
          [json],
        );
      }
    }
    await c.query('COMMIT');
  }

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
    const cpu0 = {
      node: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
      postgres: await postgresCpu(),
    };
    const started = performance.now();
    let next = 0;
    await Promise.all(
      clients.map(async (c) => {
        for (let b = next++; b < batches.length; b = next++) {
          const from = batches[b];
          await insertBatch(c, method, prepared.slice(from, from + opts.batch));
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = perFlow(cpu0, {
      node: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
      postgres: await postgresCpu(),
    });
    await Promise.all(clients.map((c) => c.end()));
    const stored = await counts();
    if (stored.flows !== opts.flows || stored.bodies !== opts.flows)
      throw new Error(`ceiling (${method}) stored ${stored.flows} flows, ${stored.bodies} bodies`);
    return {
      what: `raw ${METHOD_NAMES[method]}, ${connections} connection(s)`,
      seconds,
      rate: opts.flows / seconds,
      cpu,
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
          // info: the "ingesting flows" line tells when this process starts consuming.
          HONEYPROXY_LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    child.stdout.on('data', (chunk) => {
      if (child.ingestingAt === undefined && String(chunk).includes('"ingesting flows"'))
        child.ingestingAt = performance.now();
    });
    return child;
  }

  async function analyzers(count) {
    await reset();
    await prefill();
    const children = [];
    for (let i = 0; i < count; i++) children.push(await startAnalyzer(i, `analyzers${count}`));
    // Timed from the moment every analyzer is ingesting (each logs "ingesting flows"): a second
    // process still starting up (module loading, the bootstrap user's scrypt) while the first
    // already ingests would otherwise count as ingest time and CPU. The flows still pending or
    // unacknowledged then are the work measured.
    let first;
    let last;
    let work = opts.flows;
    const natsProcess = await natsPid(nats.port);
    const snapshot = async () => {
      const analyzer = {};
      for (const child of children) analyzer[child.pid] = await cpuOf(child.pid);
      return {
        analyzer,
        nats: natsProcess ? await cpuOf(natsProcess) : 0,
        postgres: await postgresCpu(),
      };
    };
    let cpu0;
    let cpu;
    for (;;) {
      const c = await jsm.consumers.info(FLOWS_STREAM, INGEST_CONSUMER);
      const now = performance.now();
      if (first === undefined && children.every((child) => child.ingestingAt !== undefined)) {
        first = now;
        work = Math.min(opts.flows, c.num_pending + c.num_ack_pending);
        cpu0 = await snapshot();
      }
      if (c.num_pending === 0 && c.num_ack_pending === 0) {
        last = now;
        if (first === undefined || work < opts.flows / 2)
          throw new Error(`the analyzers took ${opts.flows - work} flows before all were up`);
        cpu = perFlow(cpu0, await snapshot(), work);
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
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
      work,
      rate: work / seconds,
      cpu,
    };
  }

  for (let rep = 1; rep <= opts.reps; rep++) {
    for (const [connections, method] of opts['skip-ceiling']
      ? []
      : opts.ceiling
          .split(',')
          .filter(Boolean)
          .map((c) => c.split(':'))
          .map(([n, m]) => [Number(n), m])) {
      if (!(method in METHOD_NAMES)) throw new Error(`unknown ceiling method ${method}`);
      const r = await ceiling(connections, method);
      say(
        `rep ${rep}: ${r.what}: ${r.rate.toFixed(0)} flows/s, CPU µs/flow ${JSON.stringify(r.cpu)}`,
      );
      results.push({ rep, ...r });
    }
    for (const count of opts.analyzers.split(',').filter(Boolean).map(Number)) {
      const r = await analyzers(count);
      say(
        `rep ${rep}: ${r.what}: ${r.rate.toFixed(0)} flows/s, CPU µs/flow ${JSON.stringify(r.cpu)}`,
      );
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
  '| what | flows/s (best of reps) | runs | of ceiling | CPU µs per flow (best run) |',
  '|---|---|---|---|---|',
  ...[...best].map(([what, rate]) => {
    const runs = results.filter((r) => r.what === what);
    const top1 = runs.find((r) => r.rate === rate);
    const cpu = Object.entries(top1?.cpu ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    return `| ${what} | ${rate.toFixed(0)} | ${runs.map((r) => r.rate.toFixed(0)).join(', ')} | ${((100 * rate) / top).toFixed(0)} % | ${cpu} |`;
  }),
];
process.stdout.write(`${lines.join('\n')}\n`);
if (opts.json) process.stdout.write(`${JSON.stringify(results)}\n`);
