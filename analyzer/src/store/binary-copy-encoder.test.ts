/** The binary COPY encoder against real PostgreSQL: every column type, NULLs and odd text round-trip. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createTempDatabase, type TempDatabase } from '@honeyproxy/testkit';
import { BinaryCopyEncoder, CopyValueError } from './binary-copy-encoder.js';

describe('binary COPY encoder', { timeout: 60_000 }, () => {
  let temp: TempDatabase;
  let client: pg.Client;
  before(async () => {
    temp = await createTempDatabase('hp_copy');
    client = new pg.Client({ connectionString: temp.url });
    await client.connect();
    await client.query(
      'CREATE TABLE t (u uuid, s text, f float8, i int4, n int8, b bool, j jsonb, d bytea)',
    );
  });
  after(async () => {
    await client.end();
    await temp.close();
  });

  it('writes rows PostgreSQL reads back value for value', async () => {
    const enc = new BinaryCopyEncoder(
      ['uuid', 'text', 'float8', 'int4', 'int8', 'bool', 'jsonb', 'bytea'],
      64, // starts small: the buffer has to grow
    );
    const bytes = Buffer.from([0, 1, 2, 255, 92, 10]);
    enc.row([
      '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      'tab\there, newline\n, backslash \\, é, 😀',
      1_700_000_000_123.456,
      -404,
      Number.MAX_SAFE_INTEGER,
      true,
      '{"a":[1,"ü\\u0001"],"b":null}',
      bytes,
    ]);
    enc.row([null, null, null, null, null, false, null, new Uint8Array(0)]);
    assert.equal(enc.rows, 2);
    await new Promise<void>((resolve, reject) => {
      const stream = client.query(copyFrom('COPY t FROM STDIN (FORMAT binary)'));
      stream.on('finish', () => resolve());
      stream.on('error', reject);
      stream.end(enc.finish());
    });
    const { rows } = await client.query<Record<string, unknown>>(
      'SELECT u, s, f, i, n::text AS n, b, j, d FROM t ORDER BY b DESC',
    );
    assert.deepEqual(rows[0], {
      u: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      s: 'tab\there, newline\n, backslash \\, é, 😀',
      f: 1_700_000_000_123.456,
      i: -404,
      n: String(Number.MAX_SAFE_INTEGER),
      b: true,
      j: { a: [1, 'ü\u0001'], b: null },
      d: bytes,
    });
    assert.deepEqual(rows[1], {
      u: null,
      s: null,
      f: null,
      i: null,
      n: null,
      b: false,
      j: null,
      d: Buffer.alloc(0),
    });
  });

  it('refuses values that do not fit their column', () => {
    const enc = new BinaryCopyEncoder(['uuid', 'bytea']);
    assert.throws(() => enc.row(['not-a-uuid', new Uint8Array(1)]), CopyValueError);
    assert.throws(() => enc.row(['0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 'text']), CopyValueError);
    assert.throws(() => enc.row([null]), CopyValueError);
  });
});
