/**
 * Summarises V8 .cpuprofile files (node --cpu-prof) as markdown: who used the CPU (each sample
 * charged to the nearest frame that is not node core, by package and by file), self time by
 * function, and inclusive time for our code and the libraries it drives. Only the part of each
 * profile that served HTTP counts (first to last sample inside node's HTTP server), so start-up and
 * shutdown are left out. Several files (e.g. one per run) are added together.
 *
 *   node bench/cpuprofile-top.mjs [--top N] FILE.cpuprofile [...]
 *   node bench/cpuprofile-top.mjs [--top N] --results DIR --target NAME --case CASE
 *
 * The second form reads a `bench/run.sh --cpu-prof` results folder: it takes that target's profiles
 * for that case (matched by the pid each run printed in its proxy log) and turns shares of busy
 * samples into CPU µs per request, using the CPU time and request count the harness measured
 * (/proc ticks, so not inflated when something else competes for the core).
 */
import process from 'node:process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const opts = { top: 25, results: '', target: '', case: '' };
while (args[0]?.startsWith('--')) {
  const key = args[0].slice(2);
  if (!(key in opts) || args[1] === undefined) {
    process.stderr.write(`unknown option or missing value: ${args[0]}\n`);
    process.exit(2);
  }
  opts[key] = key === 'top' ? Number(args[1]) : args[1];
  args.splice(0, 2);
}

/** Profiles of one target and case in a results folder, and the harness's CPU µs per request. */
function fromResults(dir, target, benchCase) {
  const raw = join(dir, 'raw');
  const profDir = join(dir, 'cpuprofile', target);
  const profiles = readdirSync(profDir);
  const files = [];
  let cpuUs = 0;
  let measured = 0;
  for (const name of readdirSync(raw)) {
    if (!name.endsWith(`.${benchCase}.${target}.proxy.log`)) continue;
    const pid = /^bench-pid=(\d+)$/m.exec(readFileSync(join(raw, name), 'utf8'))?.[1];
    const prof = pid && profiles.find((f) => f.includes(`.${pid}.`) && f.endsWith('.cpuprofile'));
    if (prof) files.push(join(profDir, prof));
    const json = readFileSync(join(raw, name.replace(/\.proxy\.log$/, '.json')), 'utf8');
    const r = JSON.parse(json.trim().split('\n').at(-1));
    cpuUs += (r.proxy_cpu_pct / 100) * r.seconds * 1e6;
    measured += r.requests;
  }
  return { files, cpuPerRequest: measured > 0 ? cpuUs / measured : 0 };
}

let files = args;
let cpuPerRequest = 0;
if (opts.results) {
  ({ files, cpuPerRequest } = fromResults(opts.results, opts.target, opts.case));
}
if (files.length === 0) {
  process.stderr.write(
    'usage: node bench/cpuprofile-top.mjs [--top N] FILE.cpuprofile [...]\n' +
      '       node bench/cpuprofile-top.mjs [--top N] --results DIR --target NAME --case CASE\n' +
      '(no profile found)\n',
  );
  process.exit(2);
}

/** A short, stable name for where a function lives: a node core file, a package, our file. */
function moduleOf(url) {
  // ours, also bench/run.sh's copy of the sensor (node_modules/.cache/honeyproxy-bench/sensor)
  const ours = /\/(protocol|common|sensor|analyzer|standalone)\/dist\/(.+)$/.exec(url);
  if (ours) return `@honeyproxy/${ours[1]}/${ours[2]}`;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm) return nm[1];
  return url.replace(/^file:\/\//, '');
}

/** Package and file: mockttp/rules/passthrough-handling.js. */
function fileOf(url) {
  const ours = moduleOf(url);
  if (ours.startsWith('@honeyproxy/')) return ours;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?:(?:dist|lib|build|cjs|esm)\/)*(.+)$/.exec(url);
  return nm ? `${nm[1]}/${nm[2]}` : ours;
}

const packageOf = (owner) =>
  /^(@honeyproxy\/[^/]+\/[^/]+|@[^/]+\/[^/]+|[^/]+)/.exec(owner)?.[1] ?? owner;
const VM = /^\((idle|garbage collector|program)\)$/;
const NODE_ONLY = 'node core only (sockets, TLS, HTTP parser, streams, timers)';
const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);

const self = new Map();
const inclusive = new Map();
const byOwner = new Map();
const byOwnerPackage = new Map();
let windowUs = 0;
let idleUs = 0;

for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n) => {
    const f = n.callFrame;
    const name = f.functionName || '(anonymous)';
    return f.url ? `${name} ${fileOf(f.url)}:${f.lineNumber + 1}` : name;
  };
  const keys = new Map(p.nodes.map((n) => [n.id, keyOf(n)]));
  const stack = (id) => {
    const ids = [];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) ids.push(cur);
    return ids;
  };
  const serving = (id) => stack(id).some((i) => byId.get(i).callFrame.url === 'node:_http_server');
  let first = p.samples.findIndex(serving);
  let last = p.samples.findLastIndex(serving);
  if (first < 0) [first, last] = [0, p.samples.length - 1];

  for (let i = first; i <= last; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0; // the time until the next sample belongs to this one
    const ids = stack(p.samples[i]);
    const k = keys.get(ids[0]);
    windowUs += dt;
    if (k === '(idle)') idleUs += dt;
    add(self, k, dt);
    let owner = VM.test(k) ? k : NODE_ONLY;
    for (const id of ids) {
      const url = byId.get(id).callFrame.url;
      if (url && !url.startsWith('node:')) {
        owner = fileOf(url);
        break;
      }
    }
    add(byOwner, owner, dt);
    add(byOwnerPackage, packageOf(owner), dt);
    for (const ck of new Set(ids.map((id) => keys.get(id)))) add(inclusive, ck, dt);
  }
}

const busyUs = windowUs - idleUs;
const pct = (us) => `${((100 * us) / busyUs).toFixed(1)}%`;
const cpu = (us) => (cpuPerRequest > 0 ? ` ${((us / busyUs) * cpuPerRequest).toFixed(1)} |` : '');
const table = (title, map, filter = () => true) => {
  const rows = [...map]
    .filter(([k]) => k !== '(idle)' && filter(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, opts.top);
  return [
    `### ${title}`,
    '',
    `| % of busy samples |${cpuPerRequest > 0 ? ' CPU µs per request |' : ''} where |`,
    `|---|${cpuPerRequest > 0 ? '---|' : ''}---|`,
    ...rows.map(([k, us]) => `| ${pct(us)} |${cpu(us)} \`${k.replace(/\|/g, '\\|')}\` |`),
    '',
  ].join('\n');
};
// inclusive time only means something for functions of ours and of the libraries we drive
const interesting = (k) =>
  /@honeyproxy\/|mockttp|@nats-io|pino|uuid|typebox/.test(k) && !/^\(anonymous\) .*:1$/.test(k);

const what = opts.results ? `${opts.target}, ${opts.case}: ` : '';
process.stdout.write(
  [
    `${what}${files.length} profile(s), ${(windowUs / 1e6).toFixed(1)} s while serving HTTP, ` +
      `${((100 * idleUs) / windowUs).toFixed(1)}% of it idle; shares below are of the busy samples.` +
      (cpuPerRequest > 0
        ? ` The harness measured ${cpuPerRequest.toFixed(0)} µs of CPU per request for these runs; ` +
          'the µs column splits that by the shares.'
        : ''),
    '',
    table(
      'By owner: each sample charged to the package of the nearest non-node-core frame',
      byOwnerPackage,
    ),
    table('By owner, per file', byOwner),
    table('Self time by function', self),
    table('Inclusive time, our code and the libraries it drives', inclusive, interesting),
  ].join('\n'),
);
