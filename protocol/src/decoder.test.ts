/** Behaviour of the decoders' two checking modes: same verdicts, and 'interpreted' never evaluates code. */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from 'typebox';
import { createDecoder, DecodeError, setValidationMode } from './index.js';

const Sample = Type.Object(
  { id: Type.String({ pattern: '^[a-z]+$' }), n: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);

describe('decoder validation modes', { timeout: 60_000 }, () => {
  after(() => setValidationMode('compiled'));

  it('gives the same verdicts and error paths in both modes', () => {
    setValidationMode('compiled');
    const compiled = createDecoder(Sample, 'sample');
    compiled.check(null); // builds the compiled checker now
    setValidationMode('interpreted');
    const interpreted = createDecoder(Sample, 'sample');
    for (const decoder of [compiled, interpreted]) {
      assert.deepEqual(decoder.decodeJson('{"id":"abc","n":1}'), { id: 'abc', n: 1 });
      assert.throws(
        () => decoder.decode({ id: 'ABC', n: 1 }),
        (err: unknown) => err instanceof DecodeError && err.path === '/id',
      );
      assert.equal(decoder.check({ id: 'a', n: 1, extra: true }), false);
    }
  });

  it('validates without generating code in interpreted mode', () => {
    setValidationMode('interpreted');
    const decoder = createDecoder(Sample, 'sample');
    const original = globalThis.Function;
    let evaluated = 0;
    globalThis.Function = new Proxy(original, {
      construct(target, args: string[]) {
        evaluated++;
        return Reflect.construct(target, args);
      },
    });
    try {
      assert.equal(decoder.check({ id: 'a', n: 2 }), true);
      assert.throws(() => decoder.decode({ id: 'a', n: -1 }), DecodeError);
    } finally {
      globalThis.Function = original;
    }
    assert.equal(evaluated, 0);
  });
});
