/**
 * The README stays true: it opens with the run and test commands, and its configuration tables are
 * exactly what the services declare (so --help, validation and documentation cannot drift apart).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { settingsTable } from '@honeyproxy/common';
import { analyzerSettings } from '@honeyproxy/analyzer';
import { sensorSettings } from '@honeyproxy/sensor';
import { standaloneSettings } from '@honeyproxy/standalone';

const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
const pkg: unknown = JSON.parse(
  await readFile(new URL('../../package.json', import.meta.url), 'utf8'),
);

function section(name: string): string {
  const match = new RegExp(
    `<!-- settings:${name} -->\\n([\\s\\S]*?)\\n<!-- /settings:${name} -->`,
  ).exec(readme);
  assert.ok(match, `README has no settings:${name} block`);
  return match[1] ?? '';
}

describe('README', { timeout: 10_000 }, () => {
  it('opens with the command that runs the system and the one that runs the tests', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const lines = firstBlock.trim().split('\n');
    assert.match(lines[0] ?? '', /^npm ci && npm start\b/);
    assert.match(lines[1] ?? '', /^npm test\b/);
    const scripts = (pkg as { scripts: Record<string, string> }).scripts;
    assert.ok(scripts['start'] && scripts['test'], 'package.json defines start and test');
  });

  it('documents every setting of every service exactly as declared', () => {
    assert.equal(section('standalone'), settingsTable(standaloneSettings));
    assert.equal(section('sensor'), settingsTable(sensorSettings));
    assert.equal(section('analyzer'), settingsTable(analyzerSettings));
  });
});
