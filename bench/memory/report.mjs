/** The memory bench's summary (markdown), with the machine and its load during the run. */
import os from 'node:os';
import process from 'node:process';

const mb = (n) => (n / 1e6).toFixed(0);

export function machineLine() {
  const cpu = os.cpus();
  return (
    `${os.hostname()}: ${cpu.length} × ${cpu[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB,` +
    ` ${os.type()} ${os.release()}, Node ${process.version}`
  );
}

export function summaryOf({ machine, settings, load, results }) {
  const lines = [
    `# Sensor memory (${new Date().toISOString()})`,
    '',
    `machine: ${machine}`,
    `settings: ${settings}`,
    `load average (1 min) at start / end: ${load.start} / ${load.end}`,
    '',
    '| proxy | idle RSS | (a) RSS peak | (a) RSS steady | (a) req/s (ok / failed) | (a) CPU µs/req | (b) MB/s | (b) RSS growth (before → peak) | (c) MB/s | (c) RSS growth (before → peak) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const cell = (d) => (d ? `+${mb(d.growth)} MB (${mb(d.rssBefore)} → ${mb(d.rssPeak)})` : '—');
  for (const [name, r] of Object.entries(results)) {
    const c = r.connections;
    const d = r.download;
    const s = r.slowDownload;
    lines.push(
      `| ${name} | ${c ? `${mb(c.idle)} MB` : '—'} | ${c ? `${mb(c.rssPeak)} MB` : '—'} |` +
        ` ${c ? `${mb(c.rssSteady)} MB` : '—'} | ${c ? `${c.perSecond} (${c.ok} / ${c.failed})` : '—'} |` +
        ` ${c?.cpuUsPerRequest ?? '—'} |` +
        ` ${d?.mbPerSecond ?? '—'} | ${cell(d)} | ${s?.mbPerSecond ?? '—'} | ${cell(s)} |`,
    );
  }
  for (const [name, r] of Object.entries(results)) {
    const c = r.connections;
    const phases = ['download', 'slowDownload'].filter((p) => r[p]?.flows);
    if (!c?.flows && phases.length === 0) continue;
    lines.push('', `${name}: flows published (FLOWS stream, one sensor id per phase):`);
    if (c?.flows) {
      lines.push(
        `- (a): ${c.flows.count} flows for ${c.requests + 20} requests sent (${c.requests} measured` +
          ` + 20 warm-up), ${c.flows.small} complete 1 KiB flows; ${c.socketsUsed} client connections used`,
      );
    }
    for (const phase of phases) {
      for (const d of r[phase].flows.downloads ?? [])
        lines.push(`- ${phase === 'download' ? '(b)' : '(c)'}: ${JSON.stringify(d)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
