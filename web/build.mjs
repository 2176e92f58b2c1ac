// Builds the GUI into web/build/: typecheck (tsc, no emit), bundle src/main.ts with esbuild to app.js
// (minified, with source map) and copy static/ (index.html, favicon). The page loads only /app.js,
// so it runs under the analyzer's strict CSP (no inline script, no eval).
import { execFileSync } from 'node:child_process';
import { cp, mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const outdir = join(here, 'build');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

// The bundle imports @honeyproxy/protocol's compiled output; make sure it is current.
execFileSync(process.execPath, [tsc, '-b', 'protocol'], { cwd: root, stdio: 'inherit' });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: here, stdio: 'inherit' });
// The pure modules' unit tests (parsers, sniffing, digests) compile to web/dist for node --test.
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.test.json'], { cwd: here, stdio: 'inherit' });

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
// Three bundles: the page (app.js), the highlight worker (highlight-worker.js) and the live feed's
// worker (live-worker.js), both under worker-src 'self'.
await build({
  entryPoints: {
    app: join(here, 'src/main.ts'),
    'highlight-worker': join(here, 'src/visualizers/highlight-worker.ts'),
    'live-worker': join(here, 'src/api/live-worker.ts'),
  },
  outdir,
  tsconfig: join(here, 'tsconfig.json'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
await cp(join(here, 'static'), outdir, { recursive: true });
