#!/usr/bin/env node
// Makes the workspaces' bins usable right after `npm run build`: marks them executable (tsc writes
// 0644) and links them into node_modules/.bin, so `npx honeyproxy-sensor` and
// `npx honeyproxy-analyzer` work. npm links a bin only if its file exists at install time, and ours
// are compiled afterwards.
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = join(root, 'node_modules', '.bin');
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

for (const dir of rootPkg.workspaces) {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  for (const [name, bin] of Object.entries(pkg.bin ?? {})) {
    const file = join(root, dir, bin);
    if (!existsSync(file)) {
      process.stderr.write(`link-bins: ${name} → ${file} is not built\n`);
      process.exitCode = 1;
      continue;
    }
    chmodSync(file, 0o755);
    mkdirSync(binDir, { recursive: true });
    const link = join(binDir, name);
    const target = relative(binDir, join(root, 'node_modules', pkg.name, bin));
    if (existsSync(link) || lstatSync(link, { throwIfNoEntry: false })) unlinkSync(link);
    symlinkSync(target, link);
  }
}
