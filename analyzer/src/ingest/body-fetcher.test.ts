/**
 * Reading bodies back from BODIES when sensors (some of them malicious) wrote the store: several
 * uploads of one body, bogus meta records, chunks appended later, chunks that do not exist.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startNatsServer } from '@honeyproxy/testkit';
import { silentLogger } from '../testing/migrated-database.js';
import { bodyChunkSubject, bodyMetaSubject } from '@honeyproxy/protocol';
import { putBody } from '../testing/put-body.js';
import { fetchBodies } from './body-fetcher.js';
import { ensureJetStream } from './jetstream-setup.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function setup(t: TestContext) {
  const nats = await startNatsServer();
  t.after(() => nats.close());
  const nc = await connect({ servers: nats.url });
  t.after(() => nc.close());
  await ensureJetStream(nc, silentLogger());
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const fetch = async (sha: string, maxBytes = 1 << 30) =>
    (await fetchBodies(jsm, [sha], { maxBytes })).get(sha);
  return { js, jsm, fetch };
}

describe('fetching bodies from BODIES', { timeout: 60_000 }, () => {
  it('reads a body stored twice (last meta record wins, both valid) byte-exact', async (t) => {
    const { js, fetch } = await setup(t);
    const body = randomBytes(400_000);
    await putBody(js, sha256(body), body);
    await putBody(js, sha256(body), body);
    const got = await fetch(sha256(body));
    assert.equal(got?.kind, 'ok');
    assert.equal(got.kind === 'ok' && sha256(got.data), sha256(body));
    assert.deepEqual(await fetch(sha256(randomBytes(8))), { kind: 'missing' });
    assert.deepEqual(await fetch(sha256(body), 1000), { kind: 'too-large', size: 400_000 });
  });

  it('falls back to an older meta record when newer ones are bogus', async (t) => {
    const { js, fetch } = await setup(t);
    const body = randomBytes(300_000);
    const name = sha256(body);
    const nuid = await putBody(js, name, body);
    await js.publish(bodyChunkSubject(nuid), 'appended later by someone else');
    await putBody(js, name, randomBytes(1000), { digest: undefined }); // its own digest: not the name's
    await putBody(js, name, randomBytes(1000), { nuid: 'nowhere', chunks: 3, size: 1000 });
    await putBody(js, name, body, { options: { link: { bucket: 'OTHER', name: 'x' } } });
    await putBody(js, name, body, { deleted: true });
    await js.publish(bodyMetaSubject(name), 'not json');
    const got = await fetch(name);
    assert.equal(got?.kind === 'ok' && sha256(got.data), name);
  });

  it('reports a body with only bogus meta records as bad, without hanging', async (t) => {
    const { js, fetch } = await setup(t);
    const name = sha256(randomBytes(32));
    const fake = randomBytes(200_000);
    // claims the name's digest, but its chunks are other bytes
    const expected = Buffer.from(name, 'hex')
      .toString('base64')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    await putBody(js, name, fake, { digest: `SHA-256=${expected}` });
    assert.deepEqual(await fetch(name), { kind: 'bad', reason: 'chunks do not hash to the name' });
    await putBody(js, name, fake, { digest: `SHA-256=${expected}`, nuid: 'nowhere' });
    const started = Date.now();
    assert.equal((await fetch(name))?.kind, 'bad');
    assert.ok(Date.now() - started < 5000);
  });
});
