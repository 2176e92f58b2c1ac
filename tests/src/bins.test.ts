/**
 * The documented commands exist after `npm run build`: `npx honeyproxy-sensor` and
 * `npx honeyproxy-analyzer` resolve through node_modules/.bin and print their help.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const binDir = fileURLToPath(new URL('../../node_modules/.bin/', import.meta.url));

function run(bin: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(`${binDir}${bin}`, ['--help'], { timeout: 20_000 }, (err, stdout) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout });
    });
  });
}

describe('installed commands', { timeout: 60_000 }, () => {
  for (const [bin, variable] of [
    ['honeyproxy-sensor', 'HONEYPROXY_NATS_URL'],
    ['honeyproxy-analyzer', 'HONEYPROXY_DATABASE_URL'],
  ] as const) {
    it(`${bin} runs from node_modules/.bin and lists its settings`, async () => {
      const { code, stdout } = await run(bin);
      assert.equal(code, 0);
      assert.match(stdout, new RegExp(variable));
    });
  }
});
