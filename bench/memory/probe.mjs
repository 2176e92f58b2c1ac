/**
 * Loaded into a proxy with `--import` (memory-bench --sensor-node-args="--import
 * ./bench/memory/probe.mjs"): every 500 ms appends one JSON line to $HP_PROBE_OUT with the process's
 * memory broken down — RSS, V8 heap used / total, external and ArrayBuffer memory, and the size of
 * each V8 heap space (new_space is the young generation) — to see where RSS goes under load.
 */
import { appendFileSync } from 'node:fs';
import process from 'node:process';
import { setInterval } from 'node:timers';
import v8 from 'node:v8';

const out = process.env.HP_PROBE_OUT;
if (out) {
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    const spaces = {};
    for (const s of v8.getHeapSpaceStatistics()) {
      spaces[s.space_name] = { size: s.space_size, used: s.space_used_size };
    }
    const line = { t: Date.now(), ...m, spaces, handles: process.getActiveResourcesInfo().length };
    appendFileSync(out, `${JSON.stringify(line)}\n`);
  }, 500);
  timer.unref();
}
