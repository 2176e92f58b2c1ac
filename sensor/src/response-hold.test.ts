/**
 * The hold itself, on plain streams: it keeps the write it sees until released, and leaves a
 * keep-alive socket as fast as it found it (a stand-in removed in the wrong order would turn the
 * socket into a dictionary-mode object, slower for every later request on it).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { holdHttp1 } from './response-hold.js';

setFlagsFromString('--allow-natives-syntax');
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- V8 intrinsics only parse in new code
const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (
  o: object,
) => boolean;

describe('response hold', () => {
  it('keeps the next write until released, then sends it as it was', async () => {
    const seen: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        seen.push(chunk.toString());
        done();
      },
    });
    stream.write('head');
    const hold = holdHttp1(stream);
    assert.ok(hold);
    stream.write('last');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(seen, ['head'], 'held');
    hold.release();
    hold.release(); // idempotent
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(seen, ['head', 'last']);
    stream.write('next');
    assert.deepEqual(seen, ['head', 'last', 'next'], 'the stream writes directly again');
  });

  it('leaves a socket with fast properties after many holds', () => {
    const socket = new Socket();
    assert.ok(hasFastProperties(socket));
    for (let i = 0; i < 10; i++) holdHttp1(socket)?.release();
    assert.ok(hasFastProperties(socket), 'socket shape rolled back, not turned into a dictionary');
    socket.destroy();
  });
});
