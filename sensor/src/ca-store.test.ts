/** Behaviour of the CA store: created once with a private key, then reused. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@honeyproxy/common';
import { CaError, certificateSha256, loadOrCreateCa } from './ca-store.js';

const log = createLogger({ name: 'test', level: 'silent' });

describe('CA store', { timeout: 60_000 }, () => {
  it('creates the CA on first run and reuses it after', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'hp-ca-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const caDir = join(dir, 'nested', 'ca');
    const first = await loadOrCreateCa(caDir, log);
    assert.match(first.sha256, /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
    assert.equal(first.sha256, certificateSha256(first.certPem));
    assert.equal((await stat(first.keyPath)).mode & 0o777, 0o600);
    const second = await loadOrCreateCa(caDir, log);
    assert.equal(second.sha256, first.sha256);
    assert.equal(second.keyPem, first.keyPem);
  });

  it('refuses to replace half of an existing pair', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'hp-ca-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const ca = await loadOrCreateCa(dir, log);
    await unlink(ca.keyPath);
    await assert.rejects(loadOrCreateCa(dir, log), CaError);
  });
});
