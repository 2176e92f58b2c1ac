import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  bodyChunkSubject,
  bodyDigest,
  bodyMetaLookupSubject,
  bodyMetaSubject,
} from './subjects.js';

/** nats.js's own encoding (padded base64url), done with Buffer to check the browser-safe one. */
const natsBase64 = (b: Buffer) => b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');

describe('BODIES object store names', () => {
  it('names meta records, chunks and digests as nats.js ObjectStore does', () => {
    for (const content of ['', 'a', 'hello world', '\u00ff\u0000binary?>>>']) {
      const sha = createHash('sha256').update(content).digest('hex');
      assert.equal(bodyMetaSubject(sha), `$O.BODIES.M.${natsBase64(Buffer.from(sha))}`);
      assert.equal(bodyDigest(sha), `SHA-256=${natsBase64(Buffer.from(sha, 'hex'))}`);
      assert.equal(
        bodyMetaLookupSubject(sha),
        `$JS.API.DIRECT.GET.OBJ_BODIES.$O.BODIES.M.${natsBase64(Buffer.from(sha))}`,
      );
    }
    // digests with '+' and '/' in standard base64 must come out url-safe, padding kept
    const digests = Array.from({ length: 64 }, (_, i) =>
      bodyDigest(createHash('sha256').update(String(i)).digest('hex')),
    );
    assert.ok(digests.some((d) => /[-_]/.test(d)));
    assert.ok(digests.every((d) => d.endsWith('=') && !/[+/]/.test(d)));
    assert.equal(bodyChunkSubject('NUID123'), '$O.BODIES.C.NUID123');
  });
});
