/** BodyPrefix: the first max-body bytes of a body, hashed as they arrive; the rest only counted. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { BodyPrefix, SMALL_BODY } from './body-prefix.js';

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
