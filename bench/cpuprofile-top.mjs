/**
 * Summarises V8 .cpuprofile files (node --cpu-prof) as markdown: where the CPU went, by function
 * (self time), by module (self time: a node core file, an npm package, one of our packages' files)
 * and, for our own code and the libraries it drives, by inclusive time (the function and
 * everything it called). Several files (e.g. one per run) are added together.
 * With --requests N (the requests those profiles served) each row also says µs of CPU per request,
 * which compares across targets (e.g. the sensor against a bare mockttp) at any throughput.
 *   node bench/cpuprofile-top.mjs [--top N] [--requests N] FILE.cpuprofile [...]
 */
import process from 'node:process';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
let top = 25;
let requests = 0;
while (args[0] === '--top' || args[0] === '--requests') {
  if (args[0] === '--top') top = Number(args[1]);
  else requests = Number(args[1]);
  args.splice(0, 2);
}
if (args.length === 0) {
  process.stderr.write('usage: node bench/cpuprofile-top.mjs [--top N] FILE.cpuprofile [...]\n');
  process.exit(2);
}

/** A short, stable name for where a function lives. */
function moduleOf(url) {
  if (!url) return '(native/VM)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm) return nm[1];
  const ours = /\/(protocol|common|sensor|analyzer|standalone)\/dist\/(.+)$/.exec(url);
  if (ours) return `@honeyproxy/${ours[1]}/${ours[2]}`;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

/** Package and file, for function names and owners: mockttp/rules/passthrough-handling.js. */
function fileOf(url) {
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?:(?:dist|lib|build|cjs|esm)\/)*(.+)$/.exec(url);
  return nm ? `${nm[1]}/${nm[2]}` : moduleOf(url);
}

/** Code that is not node's own: a sample is charged to the nearest such frame on its stack. */
const isLibrary = (url) => url !== '' && !url.startsWith('node:');

const self = new Map(); // function key -> µs
const selfByModule = new Map();
const inclusive = new Map();
const byOwner = new Map();
const byOwnerPackage = new Map();
let total = 0;
let windowUs = 0;

for (const file of args) {
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
  const serving = (id) => {
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      if (byId.get(cur).callFrame.url === 'node:_http_server') return true;
    }
    return false;
  };
  let first = p.samples.findIndex(serving);
  let last = p.samples.findLastIndex(serving);
  if (first < 0) [first, last] = [0, p.samples.length - 1];
  for (let i = first; i <= last; i++) windowUs += p.timeDeltas[i + 1] ?? 0;
  for (let i = first; i <= last; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0; // time until the next sample belongs to this one
    const id = p.samples[i];
    const n = byId.get(id);
    total += dt;
    const k = keys.get(id);
    self.set(k, (self.get(k) ?? 0) + dt);
    const m = n.callFrame.url ? moduleOf(n.callFrame.url) : k;
    selfByModule.set(m, (selfByModule.get(m) ?? 0) + dt);
    const vm = /^\((idle|garbage collector|program)\)$/.test(k);
    let owner = vm ? k : 'node core only (sockets, TLS, HTTP parser, streams, timers)';
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const url = byId.get(cur).callFrame.url;
      if (isLibrary(url)) {
        owner = fileOf(url);
        break;
      }
    }
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + dt);
    const pkg = /^(@honeyproxy\/[^/]+\/[^/]+|@[^/]+\/[^/]+|[^/]+)/.exec(owner)?.[1] ?? owner;
    byOwnerPackage.set(pkg, (byOwnerPackage.get(pkg) ?? 0) + dt);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const ck = keys.get(cur);
      if (seen.has(ck)) continue;
      seen.add(ck);
      inclusive.set(ck, (inclusive.get(ck) ?? 0) + dt);
    }
  }
}

const pct = (us) => `${((100 * us) / total).toFixed(1)}%`;
const perRequest = (us) => (requests > 0 ? ` ${(us / requests).toFixed(1)} |` : '');
const table = (title, map, filter = () => true) => {
  const rows = [...map]
    .filter(([k]) => filter(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  return [
    `### ${title}`,
    '',
    `| % of samples | ms |${requests > 0 ? ' µs per request |' : ''} where |`,
    `|---|---|${requests > 0 ? '---|' : ''}---|`,
    ...rows.map(
      ([k, us]) =>
        `| ${pct(us)} | ${(us / 1000).toFixed(0)} |${perRequest(us)} \`${k.replace(/\|/g, '\\|')}\` |`,
    ),
    '',
  ].join('\n');
};
// inclusive time only means something for functions of ours and of the libraries we drive
const interesting = (k) =>
  /@honeyproxy\/|mockttp|@nats-io|pino|uuid|typebox/.test(k) && !/^\(anonymous\) .*:1$/.test(k);

process.stdout.write(
  [
    `Profile: ${args.length} file(s), ${(windowUs / 1e6).toFixed(1)} s while serving HTTP ` +
      '(start-up and shutdown left out); percentages of all samples in that time, idle included.' +
      (requests > 0
        ? ` ${requests} requests served: ${(windowUs / requests).toFixed(1)} µs of samples per request, ` +
          `${((windowUs - (byOwner.get('(idle)') ?? 0)) / requests).toFixed(1)} µs without idle.`
        : ''),
    '',
    table(
      'By owner: each sample charged to the package of the nearest non-node-core frame on its stack',
      byOwnerPackage,
    ),
    table('By owner, per file', byOwner),
    table('Self time by module', selfByModule),
    table('Self time by function', self),
    table('Inclusive time, our code and the libraries it drives', inclusive, interesting),
  ].join('\n'),
);
