/**
 * The targets, read from a harness results.csv: on every case the sensor must reach at
 * least 2x mitmdump -w's req/s and 70% of bare mockttp's. Prints, per case, the ratio of medians
 * and the paired ratio (same repetition, so less moved by the machine's speed changing), and the
 * same comparison in CPU time per request (proxy CPU / requests, from /proc): that one holds even
 * when something else on the machine took part of the proxy's core.
 *   node bench/verdict.mjs RESULTS.csv [SENSOR_TARGET [REF:MIN,...]]   (markdown; exit 1 if a target is missed)
 * REF:MIN pairs replace the default targets (bench/transparent.sh: mitmdump:1.5,direct:0.5).
 */
import process from 'node:process';
import { readFileSync } from 'node:fs';

const [csvPath, sensor = 'sensor', targetSpec] = process.argv.slice(2);
if (!csvPath) {
  process.stderr.write('usage: node bench/verdict.mjs RESULTS.csv [SENSOR_TARGET [REF:MIN,...]]\n');
  process.exit(2);
}

const targetLabel = (ref, min) =>
  min >= 1 ? `≥ ${min}× ${ref}` : `≥ ${Math.round(min * 100)}% of ${ref}`;
const TARGETS = targetSpec
  ? targetSpec.split(',').map((pair) => {
      const [ref = '', min = ''] = pair.split(':');
      if (!ref || !(Number(min) > 0)) {
        process.stderr.write(`verdict: bad target '${pair}', want REF:MIN (mitmdump:1.5)\n`);
        process.exit(2);
      }
      return { ref, min: Number(min), label: targetLabel(ref, Number(min)) };
    })
  : [
      { ref: 'mitmdump-w', min: 2, label: '≥ 2× mitmdump -w' },
      { ref: 'mockttp', min: 0.7, label: '≥ 70% of bare mockttp' },
    ];

const [header, ...lines] = readFileSync(csvPath, 'utf8').trim().split('\n');
const cols = header.split(',');
const rows = lines
  .map((line) => Object.fromEntries(line.split(',').map((v, i) => [cols[i], v])))
  .filter((r) => r.status === 'ok');

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** µs of proxy CPU per measured request (the measured part is `rps` × its duration). */
const cpuPerRequest = (r) => (1e6 * Number(r.proxy_cpu_pct)) / 100 / Number(r.rps);
const of = (c, t) => rows.filter((r) => r.case === c && r.target === t);
const f = (x, nd = 2) => (Number.isFinite(x) ? x.toFixed(nd) : 'n/a');

const cases = [...new Set(rows.map((r) => r.case))];
const out = [
  `| case | target | sensor req/s | reference req/s | ratio of medians | paired ratio: median (min-max) | ` +
    'sensor CPU µs/req | reference CPU µs/req | CPU-time ratio | verdict |',
  '|---|---|---|---|---|---|---|---|---|---|',
];
let allMet = true;
for (const c of cases) {
  const s = of(c, sensor);
  if (s.length === 0) continue;
  for (const { ref, min, label } of TARGETS) {
    const r = of(c, ref);
    if (r.length === 0) continue;
    const sRps = median(s.map((x) => Number(x.rps)));
    const rRps = median(r.map((x) => Number(x.rps)));
    const pairs = s
      .map((x) => [x, r.find((y) => y.rep === x.rep)])
      .filter(([, y]) => y)
      .map(([x, y]) => Number(x.rps) / Number(y.rps));
    const sCpu = median(s.map(cpuPerRequest));
    const rCpu = median(r.map(cpuPerRequest));
    const ratio = sRps / rRps;
    const paired = median(pairs);
    const met = ratio >= min && paired >= min;
    allMet &&= met;
    out.push(
      `| ${c} | ${label} | ${f(sRps, 0)} | ${ref} ${f(rRps, 0)} | ${f(ratio, 3)} | ` +
        `${f(paired, 3)} (${f(Math.min(...pairs))}-${f(Math.max(...pairs))}) | ${f(sCpu, 0)} | ` +
        `${f(rCpu, 0)} | ${f(rCpu / sCpu, 3)} | ${met ? 'met' : 'MISSED'} |`,
    );
  }
}
if (out.length === 2) {
  process.stdout.write(
    `no '${sensor}' runs with ${TARGETS.map((t) => t.ref).join(' or ')} in ${csvPath}: nothing to compare\n`,
  );
  process.exit(0);
}
out.push(
  '',
  'CPU-time ratio = reference µs per request / sensor µs per request: the req/s ratio the two would ' +
    'have with a full core each. Verdict: met when both the ratio of medians and the paired median ' +
    'reach the target.',
);
process.stdout.write(`${out.join('\n')}\n`);
process.exitCode = allMet ? 0 : 1;
