#!/usr/bin/env node
// Prints the README's configuration tables from the services' own setting declarations, so the
// README cannot drift from --help (tests/src/readme.test.ts checks they match). `--write` updates
// README.md in place between the <!-- settings:NAME --> markers (which sit inside prettier-ignore
// markers: prettier would pad the tables, and the test compares them as generated).
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';
import { settingsTable } from '@honeyproxy/common';
import { sensorSettings } from '@honeyproxy/sensor';
import { analyzerSettings } from '@honeyproxy/analyzer';
import { standaloneSettings } from '@honeyproxy/standalone';

export const tables = {
  standalone: settingsTable(standaloneSettings),
  sensor: settingsTable(sensorSettings),
  analyzer: settingsTable(analyzerSettings),
};

if (process.argv.includes('--write')) {
  const path = new URL('../README.md', import.meta.url);
  let readme = readFileSync(path, 'utf8');
  for (const [name, table] of Object.entries(tables)) {
    const re = new RegExp(`(<!-- settings:${name} -->\\n)[\\s\\S]*?(<!-- /settings:${name} -->)`);
    if (!re.test(readme)) throw new Error(`README.md has no settings:${name} markers`);
    readme = readme.replace(re, `$1${table}\n$2`);
  }
  writeFileSync(path, readme);
} else {
  for (const [name, table] of Object.entries(tables))
    process.stdout.write(`## ${name}\n${table}\n\n`);
}
