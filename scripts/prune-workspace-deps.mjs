#!/usr/bin/env node
// Deletes from an installed tree every package that the given workspaces do not need at run time,
// for the service images. `npm ci --omit=dev --workspace X` is not enough: workspace packages that
// X uses only in development (testkit) are still installed with their own dependencies.
// Usage: node scripts/prune-workspace-deps.mjs <root> <workspace-dir>...   (no network, no npm)
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';

const [rootArg, ...workspaces] = process.argv.slice(2);
if (!rootArg || workspaces.length === 0) {
  process.stderr.write('usage: prune-workspace-deps.mjs <root> <workspace-dir>...\n');
  process.exit(2);
}
const root = realpathSync(rootArg);

/** Where Node would find `name` when required from `fromDir`. */
function resolvePackage(fromDir, name) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}

const needed = new Set();
function visit(pkgDir) {
  if (needed.has(pkgDir)) return;
  needed.add(pkgDir);
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const names = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  for (const name of names) {
    const found = resolvePackage(pkgDir, name);
    if (found) visit(found); // a missing optional/peer dependency is fine
  }
}
for (const ws of workspaces) visit(realpathSync(join(root, ws)));

let removed = 0;
/** Removes unneeded packages in a node_modules folder, recursing into nested ones. */
function sweep(modulesDir) {
  if (!existsSync(modulesDir)) return;
  for (const entry of readdirSync(modulesDir)) {
    if (entry === '.bin' || entry.startsWith('.')) continue;
    const path = join(modulesDir, entry);
    if (entry.startsWith('@')) {
      for (const scoped of readdirSync(path)) check(join(path, scoped));
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
    } else check(path);
  }
}
function check(path) {
  const isLink = lstatSync(path).isSymbolicLink();
  const real = existsSync(path) ? realpathSync(path) : undefined;
  if (real && needed.has(real)) {
    if (!isLink) sweep(join(path, 'node_modules'));
    return;
  }
  rmSync(path, { recursive: true, force: true });
  removed++;
}
sweep(join(root, 'node_modules'));
for (const ws of workspaces) sweep(join(root, ws, 'node_modules'));

// Links in .bin folders that now point nowhere.
function sweepBins(modulesDir) {
  const bin = join(modulesDir, '.bin');
  if (!existsSync(bin)) return;
  for (const entry of readdirSync(bin)) if (!existsSync(join(bin, entry))) rmSync(join(bin, entry));
}
sweepBins(join(root, 'node_modules'));

process.stdout.write(
  `prune-workspace-deps: kept ${needed.size - workspaces.length} packages for ${workspaces
    .map((w) => relative(root, join(root, w)))
    .join(', ')}, removed ${removed}\n`,
);
