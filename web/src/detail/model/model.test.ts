import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { md5, sha1, sha256 } from './digests.js';
import { multipartBoundary, parseMultipart } from './multipart.js';
import { parseFormFields } from './form-fields.js';
import { urlParts } from './url-parts.js';
import { colonHex, pemToDer } from './pem.js';

const node = (alg: string, b: Uint8Array) => createHash(alg).update(b).digest('hex');

describe('digests', () => {
  it('match node:crypto for empty, block-edge and random inputs', () => {
    const inputs = [
      new Uint8Array(0),
      Buffer.from('abc'),
      Buffer.alloc(55, 1),
      Buffer.alloc(56, 2),
      Buffer.alloc(64, 3),
      randomBytes(100_003),
    ];
    for (const input of inputs) {
      assert.equal(md5(input), node('md5', input), `md5 of ${input.length}`);
      assert.equal(sha1(input), node('sha1', input), `sha1 of ${input.length}`);
      assert.equal(sha256(input), node('sha256', input), `sha256 of ${input.length}`);
    }
  });
});

describe('multipart', () => {
  it('splits parts with names, file names, types and exact byte ranges', () => {
    const boundary = '----hp"x';
    assert.equal(
      multipartBoundary(`multipart/form-data; boundary="${boundary.replace('"', '')}"`),
      '----hpx',
    );
    const b = '----hpx';
    const file = Buffer.from([0, 1, 2, 0x0d, 0x0a, 3]);
    const body = Buffer.concat([
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="user"\r\n\r\nadmin\r\n`),
      Buffer.from(
        `--${b}\r\nContent-Disposition: form-data; name="up"; filename="<img src=x onerror=alert(1)>.php"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      file,
      Buffer.from(`\r\n--${b}--\r\n`),
    ]);
    const parts = parseMultipart(
      body,
      multipartBoundary(`multipart/form-data; boundary=${b}`) ?? '',
    );
    assert.equal(parts.length, 2);
    assert.equal(parts[0]?.name, 'user');
    assert.equal(Buffer.from(body.subarray(parts[0]?.start, parts[0]?.end)).toString(), 'admin');
    assert.equal(parts[1]?.filename, '<img src=x onerror=alert(1)>.php');
    assert.equal(parts[1]?.contentType, 'image/jpeg');
    assert.deepEqual(Buffer.from(body.subarray(parts[1]?.start, parts[1]?.end)), file);
  });

  it('stops at a malformed body without looping', () => {
    assert.deepEqual(parseMultipart(Buffer.from('--b\r\nno blank line'), 'b'), []);
    assert.equal(multipartBoundary('text/plain; boundary=x'), null);
  });
});

describe('form fields and URL parts', () => {
  it('keeps order, duplicates and malformed escapes', () => {
    assert.deepEqual(parseFormFields('?a=1&b=x+y&a=%41&bad=%E0%A4%A&flag'), [
      ['a', '1'],
      ['b', 'x y'],
      ['a', 'A'],
      ['bad', '%E0%A4%A'],
      ['flag', ''],
    ]);
  });

  it('breaks a URL into raw parts without normalising the path', () => {
    assert.deepEqual(urlParts('http://u:p@host.test:8080/a/../b%2e?q=1&r#frag'), {
      scheme: 'http',
      username: 'u',
      password: 'p',
      host: 'host.test',
      port: '8080',
      path: '/a/../b%2e',
      query: 'q=1&r',
      fragment: 'frag',
    });
    assert.equal(urlParts('not a url'), null);
  });

  it('reads the DER out of a PEM and formats fingerprints', () => {
    const der = pemToDer('-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n');
    assert.deepEqual(der, Uint8Array.from([0, 1, 2]));
    assert.equal(colonHex('0a1b'), '0A:1B');
  });
});
