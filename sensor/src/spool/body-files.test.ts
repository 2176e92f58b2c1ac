/** The spool with bodies kept as files: linked at append, found after a restart, deleted on ack. */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@honeyproxy/common';
import { waitUntil } from '@honeyproxy/testkit';
import { openBodySpill, type BodyFile } from '../body-spill.js';
import { newFlowId } from '../flow-id.js';
import { blobFileName, type RecordInput } from './record-codec.js';
import { openSpool, type Spool, type SpoolOptions, type SpoolRecord } from './spool.js';

const silent = createLogger({ name: 'body-files-test', level: 'silent' });
const MiB = 1024 * 1024;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function spoolDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hp-spool-files-'));
  t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 20 }));
  return dir;
}

async function open(t: TestContext, dir: string, options: Partial<SpoolOptions> = {}) {
  const spool = await openSpool({ dir, maxBytes: 1024 ** 3, log: silent, ...options });
  t.after(() => spool.close());
  return spool;
}

/** A body captured the way the sensor does it: streamed into a file in `<dir>/bodies`. */
async function captured(dir: string, bytes: Buffer): Promise<BodyFile> {
  const spill = await openBodySpill({ dir: join(dir, 'bodies'), log: silent });
  const writer = spill.create();
  for (let at = 0; at < bytes.length; at += 65_536) writer.write(bytes.subarray(at, at + 65_536));
  const file = writer.finish(sha256(bytes));
  await file.ready;
  return file;
}

function recordWith(file: BodyFile): RecordInput {
  const flowId = newFlowId();
  return {
    flowId,
    sensorId: 'spool-test',
    json: Buffer.from(JSON.stringify({ flowId })),
    blobs: [{ sha256: file.sha256, file: { path: file.path, len: file.len } }],
  };
}

async function takeOne(spool: Spool): Promise<SpoolRecord> {
  const got: SpoolRecord[] = [];
  await waitUntil(
    () => {
      const r = spool.take();
      if (r) got.push(r);
      return got.length > 0;
    },
    { what: 'a record', timeoutMs: 10_000 },
  );
  const [first] = got;
  assert.ok(first);
  return first;
}

const spoolName = (dir: string, input: RecordInput) =>
  join(dir, 'bodies', blobFileName(input.flowId, input.blobs[0]?.sha256 ?? ''));

describe('spool bodies in files', { timeout: 60_000 }, () => {
  it('links a body file at append, counts it in the budget, and deletes it once acknowledged', async (t) => {
    const dir = await spoolDir(t);
    const spool = await open(t, dir);
    const body = randomBytes(3 * MiB);
    const file = await captured(dir, body);
    const input = recordWith(file);
    const before = spool.stats().bytes;
    assert.equal(spool.append(input, true), 'spooled');
    await unlink(file.path); // the capture lets go of its name once the sinks have it
    assert.ok(spool.stats().bytes - before >= body.length, 'the file counts in the budget');
    const segmentBytes = (
      await stat(join(dir, (await readdir(dir)).find((n) => n.endsWith('.seg')) ?? ''))
    ).size;
    assert.ok(segmentBytes < 64 * 1024, 'the body is not copied into the segment');

    const r = await takeOne(spool);
    assert.equal(r.blobs[0]?.file?.path, spoolName(dir, input));
    assert.equal(sha256(await readFile(spoolName(dir, input))), sha256(body));
    spool.ack(r);
    await waitUntil(
      async () => !(await readdir(join(dir, 'bodies'))).some((n) => n.endsWith('.body')),
      { what: 'the body file deleted after the ack' },
    );
    assert.ok(spool.stats().bytes - before < body.length);
  });

  it('after a restart hands out the unacknowledged flow with its body file', async (t) => {
    const dir = await spoolDir(t);
    const body = randomBytes(2 * MiB + 3);
    const first = await openSpool({ dir, maxBytes: 1024 ** 3, log: silent });
    const file = await captured(dir, body);
    const input = recordWith(file);
    first.append(input, true);
    await unlink(file.path);
    await first.close();

    const second = await open(t, dir);
    assert.ok(second.stats().bytes >= body.length, 'the budget counts the file after a restart');
    const r = await takeOne(second);
    assert.equal(r.flowId, input.flowId);
    assert.equal(r.damaged, undefined);
    assert.deepEqual(r.blobs, [
      { sha256: sha256(body), file: { path: spoolName(dir, input), len: body.length } },
    ]);
    assert.equal(sha256(await readFile(spoolName(dir, input))), sha256(body));
  });

  for (const damage of ['missing', 'torn'] as const) {
    it(`hands out a flow whose body file is ${damage} without that body, flagged, and logs it`, async (t) => {
      const dir = await spoolDir(t);
      const first = await openSpool({ dir, maxBytes: 1024 ** 3, log: silent });
      const file = await captured(dir, randomBytes(2 * MiB));
      const input = recordWith(file);
      first.append(input, true);
      await unlink(file.path);
      await first.close();
      if (damage === 'missing') await unlink(spoolName(dir, input));
      else await truncate(spoolName(dir, input), MiB);

      const second = await open(t, dir);
      const r = await takeOne(second);
      assert.equal(r.flowId, input.flowId, 'the flow itself is not lost');
      assert.deepEqual(r.blobs, []);
      assert.deepEqual(r.damaged, [file.sha256]);
    });
  }

  it('keeps flows with body files to the body share of its budget', async (t) => {
    const dir = await spoolDir(t);
    const spool = await open(t, dir, { maxBytes: 8 * MiB, bodyFraction: 0.5 });
    let withBodies = 0;
    for (;;) {
      const file = await captured(dir, randomBytes(MiB + 1));
      const result = spool.append(recordWith(file), true);
      await unlink(file.path);
      if (result !== 'spooled') {
        assert.equal(result, 'bodies');
        break;
      }
      withBodies++;
    }
    assert.equal(withBodies, 3, 'three 1 MiB files fit in half of 8 MiB');
    assert.ok(spool.stats().bytes >= 3 * MiB);
  });

  it('deletes at start the body files no unacknowledged flow names, and half-written ones', async (t) => {
    const dir = await spoolDir(t);
    const first = await openSpool({ dir, maxBytes: 1024 ** 3, log: silent });
    const keptFile = await captured(dir, randomBytes(2 * MiB));
    const kept = recordWith(keptFile);
    first.append(kept, true);
    await first.close();
    const bodies = join(dir, 'bodies');
    await writeFile(join(bodies, blobFileName(newFlowId(), 'ab'.repeat(32))), randomBytes(1000));
    await writeFile(join(bodies, 'stale-1.part'), randomBytes(1000));

    await openBodySpill({ dir: bodies, log: silent });
    const second = await open(t, dir);
    await waitUntil(async () => (await readdir(bodies)).length === 1, {
      what: 'orphans deleted',
    });
    assert.deepEqual(await readdir(bodies), [blobFileName(kept.flowId, keptFile.sha256)]);
    const r = await takeOne(second);
    assert.equal(r.flowId, kept.flowId);
    assert.equal(r.damaged, undefined);
  });
});
