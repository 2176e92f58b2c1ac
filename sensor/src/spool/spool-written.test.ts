/**
 * What write-before-last-byte relies on: an append's `onWritten` runs once its record is in the
 * segment file (one group write per loop turn, shared by the appends of that turn), and a spool
 * whose writes fail says so to whoever waits instead of leaving them waiting.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@honeyproxy/common';
import { newFlowId } from '../flow-id.js';
import type { RecordInput } from './record-codec.js';
import { openSpool, spoolSegments } from './spool.js';

const silent = createLogger({ name: 'spool-test', level: 'silent' });

function record(i: number): RecordInput {
  const flowId = newFlowId();
  return {
    flowId,
    sensorId: 'spool-test',
    json: Buffer.from(JSON.stringify({ flowId, i })),
    blobs: [],
  };
}

async function spoolDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hp-spool-written-'));
  t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 20 }));
  return dir;
}

describe('spool appends that wait for their write', () => {
  it('runs onWritten once the record is in the file, one write for the appends of a turn', async (t) => {
    const dir = await spoolDir(t);
    const spool = await openSpool({ dir, maxBytes: 1024 ** 3, log: silent });
    t.after(() => spool.close());
    const inputs = [record(1), record(2), record(3)];
    const written = inputs.map(
      (input) =>
        new Promise<Error | undefined>((resolve) =>
          assert.equal(spool.append(input, false, resolve), 'spooled'),
        ),
    );
    assert.equal(spool.stats().written, 0, 'nothing written within the appending turn');
    assert.deepEqual(await Promise.all(written), [undefined, undefined, undefined]);
    assert.equal(spool.stats().writes, 1, 'one group write');
    const [segment] = await spoolSegments(dir);
    const bytes = await readFile(segment ?? '');
    for (const input of inputs)
      assert.ok(bytes.includes(Buffer.from(input.json)), 'record in the file');
  });

  it('tells the waiting appends when the write fails, and writes them once it works', async (t) => {
    const dir = await spoolDir(t);
    const spool = await openSpool({ dir, maxBytes: 1024 ** 3, log: silent });
    t.after(() => spool.close());
    // the disk fails: every write in place throws EIO (named imports follow the builtin's object)
    const failing = t.mock.method(fs, 'writevSync', () => {
      throw Object.assign(new Error('i/o error'), { code: 'EIO' });
    });
    syncBuiltinESMExports();
    const first = await new Promise<NodeJS.ErrnoException | undefined>((resolve) =>
      spool.append(record(1), false, resolve),
    );
    assert.equal(first?.code, 'EIO');
    // while writes are failing, a new append is told at once
    const second = await new Promise<NodeJS.ErrnoException | undefined>((resolve) =>
      spool.append(record(2), false, resolve),
    );
    assert.equal(second?.code, 'EIO');
    assert.equal(spool.stats().writeErrors, 1);
    failing.mock.restore();
    syncBuiltinESMExports();
    await spool.flush(); // the retry writes both
    assert.equal(spool.stats().written, 2);
  });
});
