/** The HAR writer: a valid HAR 1.2 document at every step, text as text, binary as base64. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Entry, Har } from 'har-format';
import { createLogger } from '@honeyproxy/common';
import { assembleFlow } from './flow-draft.js';
import { createHarWriter } from './har-writer.js';
import { harProblems } from './testing/har-check.js';
import { sampleFlow } from './testing/sample-flow.js';

const log = createLogger({ name: 'har-test', level: 'silent' });

async function readHar(path: string): Promise<Har> {
  const doc: unknown = JSON.parse(await readFile(path, 'utf8'));
  assert.deepEqual(harProblems(doc), []);
  return doc as Har;
}

describe('HAR writer', { timeout: 60_000 }, () => {
  it('writes every flow as a HAR 1.2 entry, valid after each write and after close', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'hp-har-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'flows.har');
    const writer = await createHarWriter({ path, log });
    assert.equal((await readHar(path)).log.entries.length, 0, 'valid while empty');

    const text = await sampleFlow({
      responseBody: Buffer.from('<html>héllo</html>'),
      requestBody: Buffer.from('a=1&b=2'),
    });
    const binary = await sampleFlow({ responseBody: Buffer.from([0, 1, 2, 255, 254]) });
    const gz = gzipSync('compressed text');
    const gzipped = await sampleFlow({ responseBody: gz });
    gzipped.flow.response?.headers.push(['Content-Encoding', 'gzip']);
    const big = randomBytes(100 * 1024);
    const large = await sampleFlow({ responseBody: big });
    const failed = await assembleFlow({
      ...text.flow,
      flowId: '01936b2e-7c4a-7000-8000-0000000000ff',
      request: { ...text.flow.request, body: null },
      response: undefined,
      error: {
        kind: 'upstream-unreachable',
        code: 'ECONNREFUSED',
        message: 'connect ECONNREFUSED',
      },
    });

    await writer.write(text);
    assert.equal((await readHar(path)).log.entries.length, 1, 'valid after one write');
    await Promise.all([
      writer.write(binary),
      writer.write(gzipped),
      writer.write(large),
      writer.write(failed),
    ]);
    await writer.close();

    const har = await readHar(path);
    assert.equal(har.log.version, '1.2');
    assert.equal(har.log.creator.name, 'honeyproxy-sensor');
    const byId = (id: string) =>
      har.log.entries.find((e) => (e as Entry & { _flowId?: string })._flowId === id);
    const [t1, b1, g1, l1, f1] = [text, binary, gzipped, large, failed].map((c) =>
      byId(c.flow.flowId),
    );
    assert.equal(t1?.response.content.text, '<html>héllo</html>');
    assert.equal(t1?.response.content.encoding, undefined);
    assert.equal(t1?.request.postData?.text, 'a=1&b=2');
    assert.deepEqual(t1?.request.queryString, [{ name: 'x', value: '1' }]);
    assert.equal(t1?.request.httpVersion, 'HTTP/1.1');
    assert.deepEqual(t1?.request.headers[0], { name: 'Host', value: 'malware.example' });
    assert.equal(b1?.response.content.encoding, 'base64');
    assert.deepEqual(
      Buffer.from(b1?.response.content.text ?? '', 'base64'),
      Buffer.from([0, 1, 2, 255, 254]),
    );
    assert.equal(g1?.response.content.encoding, 'base64', 'content-encoded bytes stay raw');
    assert.deepEqual(Buffer.from(g1?.response.content.text ?? '', 'base64'), gz);
    assert.ok(
      Buffer.from(l1?.response.content.text ?? '', 'base64').equals(big),
      'out-of-line bodies included',
    );
    assert.equal(l1?.response.content.size, big.length);
    assert.equal(f1?.response.status, 0);
    assert.equal(
      (f1 as Entry & { _error?: { kind: string } })._error?.kind,
      'upstream-unreachable',
    );
    assert.equal(t1?.serverIPAddress, '192.0.2.10');
  });
});
