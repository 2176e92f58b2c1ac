/**
 * After a bench run: did the sensor capture and publish every flow? Each sensor run of the harness
 * used its own sensor id (printed first in its proxy log), so its flows have their own subject.
 * For each run this compares what the FLOWS stream received on that subject with the requests the
 * harness sent through the sensor (warm-up + measured + the harness's one check request), then
 * drains the stream through the analyzer's ingest consumer and decodes every message with the
 * protocol codec, counting ids, complete 200 flows with the full body, and flows with errors.
 *   node bench/audit-flows.mjs NATS_URL RESULTS_DIR [TARGET_NAME]   (prints markdown)
 */
import process from 'node:process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  FLOW_SUBJECT_PREFIX,
  FLOWS_STREAM,
  INGEST_CONSUMER,
  flowMessageCodec,
  sensorIdFromSubject,
} from '@honeyproxy/protocol';

const [url, outDir, target = 'sensor'] = process.argv.slice(2);
if (!url || !outDir) {
  process.stderr.write('usage: node bench/audit-flows.mjs NATS_URL RESULTS_DIR [TARGET_NAME]\n');
  process.exit(2);
}
const ID_LINE = /^bench-sensor-id=([A-Za-z0-9_-]+)$/m;
const BODY_SIZE = { '1k': 1024, '100k': 102400 };

/** The harness's sensor runs: rep, case, sensor id, requests sent, warnings in the proxy log. */
function harnessRuns() {
  const raw = join(outDir, 'raw');
  const runs = [];
  for (const name of readdirSync(raw).sort()) {
    const m = /^r(\d+)\.([a-z0-9-]+)\.(.+)\.proxy\.log$/.exec(name);
    if (!m || m[3] !== target) continue;
    const log = readFileSync(join(raw, name), 'utf8');
    const id = ID_LINE.exec(log)?.[1];
    let lg;
    try {
      const lines = readFileSync(join(raw, name.replace(/\.proxy\.log$/, '.json')), 'utf8').trim();
      lg = JSON.parse(lines.split('\n').at(-1));
    } catch {
      lg = undefined;
    }
    const logLines = log.split('\n').filter((l) => l.startsWith('{'));
    runs.push({
      rep: Number(m[1]),
      case: m[2],
      id,
      // every request the load generator finished (ok or not) plus the harness's one curl check
      sent: lg ? lg.warmup_requests + lg.requests + 1 : undefined,
      warnings: logLines.length,
    });
  }
  return runs.sort((a, b) => a.rep - b.rep || a.case.localeCompare(b.case));
}

/** Reads every flow once through the analyzer's durable consumer (acked: the store is scratch). */
async function drainAndDecode(nc, total) {
  const per = new Map();
  const tally = (id) => {
    let t = per.get(id);
    if (!t) {
      t = {
        decoded: 0,
        bad: 0,
        bytes: 0,
        ids: new Set(),
        dupIds: 0,
        ok: 0,
        errors: {},
        anomalies: 0,
      };
      per.set(id, t);
    }
    return t;
  };
  if (total === 0) return per;
  const consumer = await jetstream(nc).consumers.get(FLOWS_STREAM, INGEST_CONSUMER);
  const messages = await consumer.consume({ max_messages: 1000 });
  let seen = 0;
  for await (const m of messages) {
    const t = tally(sensorIdFromSubject(m.subject) ?? m.subject);
    t.bytes += m.data.length;
    try {
      const flow = flowMessageCodec.decodeJson(m.data);
      t.decoded++;
      if (t.ids.has(flow.flowId)) t.dupIds++;
      t.ids.add(flow.flowId);
      if (flow.error) t.errors[flow.error.kind] = (t.errors[flow.error.kind] ?? 0) + 1;
      if (flow.anomalies.length > 0) t.anomalies++;
      const size = BODY_SIZE[/(\d+k)\.bin$/.exec(flow.request.url)?.[1] ?? ''];
      if (flow.response?.status === 200 && !flow.error && flow.response.body?.len === size) t.ok++;
    } catch {
      t.bad++;
    }
    m.ack();
    if (++seen >= total || m.info.pending === 0) break;
  }
  await messages.close();
  return per;
}

const nc = await connect({ servers: url, name: 'honeyproxy-bench-audit' });
let allGood = true;
try {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(FLOWS_STREAM, { subjects_filter: `${FLOW_SUBJECT_PREFIX}>` });
  const received = info.state.subjects ?? {};
  const per = await drainAndDecode(nc, info.state.messages);
  const runs = harnessRuns();
  const out = [];
  out.push(
    `FLOWS stream: ${info.state.messages} messages, ${(info.state.bytes / 1048576).toFixed(1)} MiB ` +
      `(${Object.keys(received).length} sensor runs); ${runs.length} '${target}' runs in ${outDir}`,
    '',
    '| rep | case | requests sent (warm-up + measured + check) | flows in FLOWS | difference | decoded | ' +
      'complete 200 with full body | flows with error | distinct flowIds | mean flow JSON bytes | ' +
      'sensor log warnings |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  let sumSent = 0;
  let sumGot = 0;
  for (const r of runs) {
    const got = r.id ? (received[`${FLOW_SUBJECT_PREFIX}${r.id}`] ?? 0) : 0;
    const t = per.get(r.id) ?? { decoded: 0, bad: 0, bytes: 0, ids: new Set(), ok: 0, errors: {} };
    const meanBytes = t.decoded + t.bad > 0 ? Math.round(t.bytes / (t.decoded + t.bad)) : 'n/a';
    const errs =
      Object.entries(t.errors)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ') || '0';
    const diff = r.sent === undefined ? 'n/a' : String(got - r.sent);
    if (
      r.sent === undefined ||
      got !== r.sent ||
      t.bad > 0 ||
      t.ids.size !== got ||
      r.warnings > 0
    ) {
      allGood = false;
    }
    sumSent += r.sent ?? 0;
    sumGot += got;
    out.push(
      `| ${r.rep} | ${r.case} | ${r.sent ?? 'n/a'} | ${got} | ${diff} | ${t.decoded}${t.bad ? ` (+${t.bad} bad)` : ''} | ` +
        `${t.ok} | ${errs} | ${t.ids.size} | ${meanBytes} | ${r.warnings} |`,
    );
  }
  out.push(
    '',
    `Total: ${sumSent} requests sent through '${target}', ${sumGot} flows published ` +
      `(${sumSent ? ((100 * sumGot) / sumSent).toFixed(3) : 'n/a'}%). ` +
      (allGood
        ? 'Every request became exactly one published flow that decodes.'
        : 'MISMATCH: see the rows above (and the proxy logs in raw/).'),
  );
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  await nc.close();
}
process.exitCode = allGood ? 0 : 1;
