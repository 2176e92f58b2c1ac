/** BodyPrefix: the first max-body bytes of a body, hashed as they arrive; the rest only counted. */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@honeyproxy/common';
import { BodyPrefix, SMALL_BODY } from './body-prefix.js';
import { openBodySpill } from './body-spill.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Feeds `body` in chunks of `size` bytes. */
function feed(prefix: BodyPrefix, body: Buffer, size: number): void {
  for (let at = 0; at < body.length; at += size) prefix.add(body.subarray(at, at + size));
}

describe('BodyPrefix', () => {
  it('keeps a small body as it came, without a hash of its own', () => {
    const body = randomBytes(10_000);
    const prefix = new BodyPrefix(1024 * 1024);
    feed(prefix, body, 3000);
    const raw = prefix.snapshot();
    assert.deepEqual(raw.bytes, body);
    assert.equal(raw.len, body.length);
    assert.equal(raw.truncated, false);
    assert.equal(raw.sha256, undefined);
  });

  it('keeps a body past the small size whole, hashed, with and without an announced length', () => {
    const body = randomBytes(3 * SMALL_BODY + 12_345);
    for (const announced of [0, body.length]) {
      const prefix = new BodyPrefix(16 * 1024 * 1024);
      prefix.expect(announced);
      feed(prefix, body, 16_384);
      const raw = prefix.snapshot();
      assert.deepEqual(raw.bytes, body);
      assert.equal(raw.len, body.length);
      assert.equal(raw.truncated, false);
      assert.equal(raw.sha256, sha256(body));
    }
  });

  it('cuts at max-body inside a chunk, counts the rest and hashes only what it kept', () => {
    const maxBody = SMALL_BODY + 1000;
    const body = randomBytes(5 * SMALL_BODY);
    const prefix = new BodyPrefix(maxBody);
    prefix.expect(body.length); // a longer announced length never sizes past max-body
    feed(prefix, body, 65_536);
    const raw = prefix.snapshot();
    assert.equal(raw.bytes.length, maxBody);
    assert.deepEqual(raw.bytes, body.subarray(0, maxBody));
    assert.equal(raw.len, body.length);
    assert.equal(raw.truncated, true);
    assert.equal(raw.sha256, sha256(body.subarray(0, maxBody)));
  });

  it('cuts a small max-body without copying into a buffer', () => {
    const body = randomBytes(5000);
    const prefix = new BodyPrefix(1024);
    feed(prefix, body, 700);
    const raw = prefix.snapshot();
    assert.deepEqual(raw.bytes, body.subarray(0, 1024));
    assert.equal(raw.len, 5000);
    assert.equal(raw.truncated, true);
  });

  it('survives a lying announced length (shorter than the body)', () => {
    const body = randomBytes(2 * SMALL_BODY);
    const prefix = new BodyPrefix(8 * SMALL_BODY);
    prefix.expect(SMALL_BODY + 1);
    feed(prefix, body, 10_000);
    const raw = prefix.snapshot();
    assert.deepEqual(raw.bytes, body);
    assert.equal(raw.sha256, sha256(body));
  });

  it('is sealed by its snapshot: later chunks change nothing', () => {
    const prefix = new BodyPrefix(4 * SMALL_BODY);
    const first = randomBytes(SMALL_BODY + 1);
    prefix.add(first);
    const raw = prefix.snapshot();
    prefix.add(randomBytes(100));
    assert.equal(prefix.snapshot(), raw);
    assert.equal(raw.len, first.length);
    assert.equal(raw.sha256, sha256(first));
  });
});

describe('BodyPrefix with a spill directory', () => {
  const spillIn = async (t: TestContext, threshold = 1024 * 1024) => {
    const dir = await mkdtemp(join(tmpdir(), 'hp-spill-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    return openBodySpill({ dir, threshold, log: createLogger({ name: 't', level: 'silent' }) });
  };

  it('streams a body past the threshold to a file instead of holding it', async (t) => {
    const spill = await spillIn(t);
    const body = randomBytes(6 * 1024 * 1024 + 777);
    for (const announced of [0, body.length]) {
      const prefix = new BodyPrefix(64 * 1024 * 1024, spill);
      prefix.expect(announced);
      feed(prefix, body, 65_536);
      const raw = prefix.snapshot();
      assert.equal(raw.bytes.length, 0, 'no body bytes in memory');
      assert.ok(raw.file, 'the body is in a file');
      assert.equal(raw.file.len, body.length);
      assert.equal(raw.sha256, sha256(body));
      assert.equal(raw.file.sha256, sha256(body));
      await raw.file.ready;
      assert.equal(sha256(await readFile(raw.file.path)), sha256(body));
    }
  });

  it('keeps only max-body bytes in the file, and a body under the threshold in memory', async (t) => {
    const spill = await spillIn(t);
    const body = randomBytes(5 * 1024 * 1024);
    const prefix = new BodyPrefix(2 * 1024 * 1024 + 5, spill);
    feed(prefix, body, 100_000);
    const raw = prefix.snapshot();
    assert.equal(raw.len, body.length);
    assert.equal(raw.truncated, true);
    await raw.file?.ready;
    assert.deepEqual(await readFile(raw.file?.path ?? ''), body.subarray(0, 2 * 1024 * 1024 + 5));

    const small = randomBytes(1024 * 1024 - 1);
    const inMemory = new BodyPrefix(64 * 1024 * 1024, spill);
    feed(inMemory, small, 65_536);
    const kept = inMemory.snapshot();
    assert.equal(kept.file, undefined);
    assert.deepEqual(kept.bytes, small);
  });
});
