#!/usr/bin/env node
/**
 * Builds the original-destination addon (native/original-dst.c → native/build/original_dst.node):
 * the sensor's install step (npm ci) and `npm run build:native -w sensor`. A plain C compiler
 * against the Node-API headers of the node-api-headers package — no node-gyp, Python or Node
 * header download, so it also builds in a bare Debian image with only gcc and libc6-dev.
 * Linux only (SO_ORIGINAL_DST is a netfilter option); elsewhere it says so and builds nothing, and
 * the sensor runs explicit-only. A build that is already up to date (same source hash) is kept.
 * A failed build does not fail the install: `npm ci && npm start` (standalone, explicit proxy) must
 * work on a laptop without a compiler. It says so loudly; the sensor then runs explicit-only and
 * `--mode transparent` refuses to start. Set HONEYPROXY_REQUIRE_NATIVE=1 (the sensor image, CI) to
 * make a failed build fail the install instead.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'original-dst.c');
const outDir = join(here, 'build');
const out = join(outDir, 'original_dst.node');
const stamp = join(outDir, 'original_dst.sha256');
const say = (msg) => process.stderr.write(`original-dst addon: ${msg}\n`);

if (process.platform !== 'linux') {
  say(
    `not built on ${process.platform}: transparent mode needs Linux (the sensor runs explicit-only)`,
  );
  process.exit(0);
}
if (process.env.HONEYPROXY_SKIP_NATIVE === '1') {
  say('not built: HONEYPROXY_SKIP_NATIVE=1 (the sensor runs explicit-only)');
  process.exit(0);
}

const hash = createHash('sha256').update(readFileSync(source)).digest('hex');
if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) {
  say('up to date');
  process.exit(0);
}

let include;
try {
  include = join(
    dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')),
    'include',
  );
} catch {
  say('the node-api-headers package is missing (run npm ci)');
  process.exit(1);
}
const cc = process.env.CC || 'cc';
mkdirSync(outDir, { recursive: true });
const tmp = `${out}.tmp`;
const args = [
  '-O2',
  '-Wall',
  '-Wextra',
  '-Wno-unused-parameter',
  '-fPIC',
  '-shared',
  '-fvisibility=hidden',
  '-DNAPI_VERSION=8',
  `-I${include}`,
  '-o',
  tmp,
  source,
];
const run = spawnSync(cc, args, { stdio: 'inherit' });
if (run.error || run.status !== 0) {
  say(
    `build failed (${run.error ? run.error.message : `${cc} exited ${run.status}`}). ` +
      'Install a C compiler (Debian: apt-get install gcc libc6-dev) and run npm ci again, ' +
      'Until then the sensor runs explicit-only (transparent mode needs this addon).',
  );
  process.exit(process.env.HONEYPROXY_REQUIRE_NATIVE === '1' ? 1 : 0);
}
renameSync(tmp, out);
writeFileSync(stamp, `${hash}\n`);
say(`built ${out}`);
