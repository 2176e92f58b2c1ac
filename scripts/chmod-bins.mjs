#!/usr/bin/env node
// Marks the compiled bins executable (tsc writes 0644), so `npx honeyproxy-sensor`,
// `npx honeyproxy-analyzer` and `honeyproxy` work right after `npm run build` — npm only sets the
// mode of bins that exist when it installs, and ours are built later.
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
for (const dir of ['.', ...rootPkg.workspaces]) {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  for (const bin of Object.values(pkg.bin ?? {})) {
    const file = join(root, dir, bin);
    if (existsSync(file)) chmodSync(file, 0o755);
  }
}
