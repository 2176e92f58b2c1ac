/** The sensor's name cache: one query per name at a time, answers kept, failures kept briefly. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHostResolver } from './host-resolver.js';

function fakeLookup(table: Record<string, string[]>) {
  const calls: string[] = [];
  const lookup = (name: string) => {
    calls.push(name);
    if (name === 'slow.test') return new Promise<string[]>(() => undefined);
    const found = table[name];
    if (found) return Promise.resolve(found);
    return Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
  };
  return { calls, lookup };
}

describe('host resolver', () => {
  it('shares one query among concurrent lookups and serves the answer from the cache', async () => {
    const { calls, lookup } = fakeLookup({ 'a.test': ['192.0.2.1', '2001:db8::1'] });
    const resolver = createHostResolver({ lookup });
    const [x, y] = await Promise.all([resolver.resolve('a.test'), resolver.resolve('A.TEST')]);
    assert.deepEqual(x.addresses, ['192.0.2.1', '2001:db8::1']);
    assert.deepEqual(y, x);
    assert.deepEqual(resolver.cached('a.test'), x);
    await resolver.resolve('a.test');
    assert.deepEqual(calls, ['a.test']);
  });

  it('answers addresses without a query', async () => {
    const { calls, lookup } = fakeLookup({});
    const resolver = createHostResolver({ lookup });
    assert.deepEqual((await resolver.resolve('::1')).addresses, ['::1']);
    assert.deepEqual(resolver.cached('192.0.2.9')?.addresses, ['192.0.2.9']);
    assert.deepEqual(calls, []);
  });

  it('keeps answers ttl and failures negative-ttl, then asks again', async () => {
    let now = 0;
    const { calls, lookup } = fakeLookup({ 'a.test': ['192.0.2.1'] });
    const resolver = createHostResolver({
      lookup,
      ttlMs: 1000,
      negativeTtlMs: 100,
      now: () => now,
    });
    assert.equal((await resolver.resolve('gone.test')).error, 'ENOTFOUND');
    await resolver.resolve('a.test');
    now = 50;
    assert.equal(resolver.cached('gone.test')?.error, 'ENOTFOUND');
    now = 150;
    assert.equal(resolver.cached('gone.test'), undefined, 'the failure expired');
    assert.ok(resolver.cached('a.test'), 'the answer did not');
    now = 1500;
    await resolver.resolve('a.test');
    assert.deepEqual(calls, ['gone.test', 'a.test', 'a.test']);
  });

  it('gives up on a lookup that hangs, without caching the timeout', async () => {
    const { lookup } = fakeLookup({});
    const resolver = createHostResolver({ lookup, timeoutMs: 50 });
    assert.equal((await resolver.resolve('slow.test')).error, 'ETIMEOUT');
    assert.equal(resolver.cached('slow.test'), undefined);
  });

  it('drops the oldest name past its size', async () => {
    const { lookup } = fakeLookup({
      'a.test': ['192.0.2.1'],
      'b.test': ['192.0.2.2'],
      'c.test': ['192.0.2.3'],
    });
    const resolver = createHostResolver({ lookup, maxEntries: 2 });
    for (const name of ['a.test', 'b.test', 'c.test']) await resolver.resolve(name);
    assert.equal(resolver.cached('a.test'), undefined);
    assert.ok(resolver.cached('c.test'));
  });
});
