/** Users file and authentication: scrypt hashes, file mode, rate limiting before hashing, caching. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUserStore, UserStoreError } from './user-store.js';
import { hashPassword, verifyPassword, type ScryptParams } from './password-hash.js';
import { AuthenticationError, createAuthenticator, TooManyAttemptsError } from './authenticator.js';

const FAST: ScryptParams = { N: 2 ** 12, r: 8, p: 1 };

describe('users', { timeout: 60_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hp-users-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('hashes with scrypt and a random salt, and verifies only the right password', async () => {
    const a = await hashPassword('correct horse', FAST);
    const b = await hashPassword('correct horse', FAST);
    assert.match(a, /^scrypt\$4096\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.notEqual(a, b);
    assert.equal(await verifyPassword('correct horse', a), true);
    assert.equal(await verifyPassword('correct horsf', a), false);
  });

  it('keeps users in a mode 0600 file without plaintext passwords', async () => {
    const file = join(dir, 'nested', 'users.json');
    const users = createUserStore(file, { scrypt: FAST });
    await users.add('alice', 'alice-password', 'admin');
    await users.add('bob', 'bob-password', 'viewer');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const text = await readFile(file, 'utf8');
    assert.ok(!text.includes('alice-password'));
    assert.deepEqual(await users.list(), [
      { name: 'alice', role: 'admin' },
      { name: 'bob', role: 'viewer' },
    ]);
    await assert.rejects(users.add('alice', 'another-password', 'viewer'), UserStoreError);
    await assert.rejects(users.add('carol', 'short', 'viewer'), /too short/);
    await assert.rejects(users.add('bad:name', 'long-enough-pw', 'viewer'), /invalid user name/);
    assert.equal(await users.remove('bob'), true);
    assert.equal(await users.remove('bob'), false);
    assert.deepEqual(
      (await users.list()).map((u) => u.name),
      ['alice'],
    );
  });

  it('creates a bootstrap admin only when nobody exists, generating a password if none is given', async () => {
    const generated = createUserStore(join(dir, 'gen.json'), { scrypt: FAST });
    const result = await generated.ensureBootstrapUser();
    assert.ok(result.created && result.generatedPassword && result.generatedPassword.length >= 16);
    assert.equal(
      await verifyPassword(result.generatedPassword, (await generated.find('admin'))!.hash),
      true,
    );
    assert.deepEqual(
      await generated.ensureBootstrapUser({ name: 'x', password: 'y-long-password' }),
      { created: false },
    );

    const given = createUserStore(join(dir, 'given.json'), { scrypt: FAST });
    assert.deepEqual(await given.ensureBootstrapUser({ name: 'root', password: 'root-password' }), {
      created: true,
      name: 'root',
      role: 'admin',
    });
  });

  it('refuses a corrupted users file with a clear error', async () => {
    const file = join(dir, 'corrupt.json');
    await writeFile(file, '[{"name":"x","role":"god","hash":"plain"}]');
    await assert.rejects(createUserStore(file).list(), /users file .* is invalid/);
  });

  it('rate-limits failures per address before hashing, caches successes, and forgets removed users', async () => {
    let clock = 1_000_000;
    const users = createUserStore(join(dir, 'auth.json'), { scrypt: FAST });
    await users.add('alice', 'alice-password', 'viewer');
    const auth = createAuthenticator({
      users,
      limiter: { maxFailures: 3, windowMs: 60_000 },
      now: () => clock,
    });

    assert.deepEqual(await auth.authenticate('alice', 'alice-password', 'ip1'), {
      name: 'alice',
      role: 'viewer',
    });
    const runs = auth.hashRuns;
    for (let i = 0; i < 20; i++) await auth.authenticate('alice', 'alice-password', 'ip1');
    assert.equal(auth.hashRuns, runs, 'cached: no scrypt per request');

    await assert.rejects(auth.authenticate('alice', 'wrong', 'ip2'), AuthenticationError);
    await assert.rejects(auth.authenticate('nobody', 'wrong', 'ip2'), AuthenticationError);
    await assert.rejects(auth.authenticate('alice', 'wrong', 'ip2'), AuthenticationError);
    const before = auth.hashRuns;
    await assert.rejects(auth.authenticate('alice', 'alice-password', 'ip2'), TooManyAttemptsError);
    assert.equal(auth.hashRuns, before, 'blocked before hashing');
    assert.ok(
      await auth.authenticate('alice', 'alice-password', 'ip3'),
      'other addresses unaffected',
    );
    clock += 61_000;
    assert.ok(await auth.authenticate('alice', 'alice-password', 'ip2'), 'window expired');

    await users.remove('alice');
    await assert.rejects(auth.authenticate('alice', 'alice-password', 'ip4'), AuthenticationError);
  });
});
