/** Containment decisions as pure functions: which destinations and clients the sensor serves. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  clientAllowed,
  decideDestination,
  describeBlock,
  parseCidr,
  parseCidrList,
  type DestinationPolicy,
  type SelfView,
} from './containment.js';

const NONE: DestinationPolicy = { allow: [], deny: [] };
const SELF: SelfView = { addresses: new Set(['198.18.1.1', 'fd00:1::1']), ports: new Set([8080]) };
const policy = (allow: string, deny = ''): DestinationPolicy => ({
  allow: parseCidrList(allow),
  deny: parseCidrList(deny),
});
const reason = (ip: string, port = 80, p: DestinationPolicy = NONE) => {
  const verdict = decideDestination(ip, port, p, SELF);
  return verdict.allowed ? 'allowed' : verdict.reason;
};

describe('containment', () => {
  it('allows public addresses and refuses the dangerous ones by default', () => {
    assert.equal(reason('93.184.216.34'), 'allowed');
    assert.equal(reason('2606:2800:220:1::1'), 'allowed');
    for (const [ip, why] of [
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['169.254.169.254', 'metadata'],
      ['fd00:ec2::254', 'metadata'],
      ['169.254.10.1', 'link-local'],
      ['fe80::1', 'link-local'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'private'],
      ['198.18.5.5', 'private'],
      ['198.19.255.1', 'private'],
      ['fd12:3456::1', 'private'],
      ['fc00::1', 'private'],
      ['0.0.0.0', 'reserved'],
      ['::', 'reserved'],
      ['224.0.0.1', 'reserved'],
      ['255.255.255.255', 'reserved'],
      ['ff02::1', 'reserved'],
      ['198.18.1.1', 'sensor-address'],
      ['fd00:1::1', 'sensor-address'],
      ['not-an-ip', 'invalid-address'],
    ] as const) {
      assert.equal(reason(ip), why, ip);
    }
    // just outside the private ranges
    assert.equal(reason('172.32.0.1'), 'allowed');
    assert.equal(reason('100.128.0.1'), 'allowed');
    assert.equal(reason('198.20.0.1'), 'allowed');
  });

  it('opens private ranges with an allow entry, but not the sensor’s own addresses inside them', () => {
    const lab = policy('198.18.0.0/15,fd00::/8');
    assert.equal(reason('198.18.2.2', 80, lab), 'allowed');
    assert.equal(reason('fd00:2::2', 443, lab), 'allowed');
    assert.equal(reason('198.18.1.1', 80, lab), 'sensor-address', 'own address needs its /32');
    assert.equal(reason('198.18.1.1', 80, policy('198.18.1.1/32')), 'allowed');
    assert.equal(reason('10.0.0.1', 80, lab), 'private', 'other private ranges stay closed');
  });

  it('opens loopback and link-local only with an entry no broader than their range', () => {
    assert.equal(reason('127.0.0.1', 80, policy('0.0.0.0/0')), 'loopback');
    assert.equal(reason('::1', 80, policy('::/0')), 'loopback');
    assert.equal(reason('127.0.0.1', 80, policy('127.0.0.0/8')), 'allowed');
    assert.equal(reason('::ffff:127.0.0.1', 80, policy('127.0.0.1')), 'allowed');
    assert.equal(reason('::1', 80, policy('::1/128')), 'allowed');
    assert.equal(reason('169.254.169.254', 80, policy('169.254.0.0/16')), 'metadata');
    assert.equal(reason('169.254.169.254', 80, policy('169.254.169.254/32')), 'allowed');
    assert.equal(reason('169.254.3.3', 80, policy('169.254.0.0/16')), 'allowed');
  });

  it('never lets a client reach the sensor’s own port on its own or loopback addresses', () => {
    const open = policy('127.0.0.0/8,198.18.1.1/32,::1/128');
    assert.equal(reason('127.0.0.1', 8080, open), 'sensor-itself');
    assert.equal(reason('::1', 8080, open), 'sensor-itself');
    assert.equal(reason('198.18.1.1', 8080, open), 'sensor-itself');
    assert.equal(reason('127.0.0.1', 8081, open), 'allowed');
    assert.equal(reason('93.184.216.34', 8080), 'allowed', 'another host’s 8080 is fine');
  });

  it('lets the longest matching prefix decide between allow and deny, deny winning a tie', () => {
    assert.equal(reason('93.184.216.34', 80, policy('', '93.184.216.0/24')), 'denied');
    const carveOut = policy('10.0.0.0/8', '10.9.0.0/16');
    assert.equal(reason('10.1.1.1', 80, carveOut), 'allowed');
    assert.equal(reason('10.9.1.1', 80, carveOut), 'denied');
    const allowlistOnly = policy('203.0.113.0/24', '0.0.0.0/0,::/0');
    assert.equal(reason('203.0.113.9', 80, allowlistOnly), 'allowed');
    assert.equal(reason('93.184.216.34', 80, allowlistOnly), 'denied');
    assert.equal(reason('10.0.0.1', 80, policy('10.0.0.0/8', '10.0.0.0/8')), 'denied');
  });

  it('parses CIDR lists, naming every bad entry', () => {
    assert.deepEqual(
      parseCidrList(' 10.0.0.0/8, fd00::/8 ,192.0.2.1,, ').map((c) => [c.text, c.bits]),
      [
        ['10.0.0.0/8', 8],
        ['fd00::/8', 8],
        ['192.0.2.1', 32],
      ],
    );
    assert.equal(parseCidr('::ffff:10.0.0.0/104').bits, 8);
    assert.deepEqual(parseCidrList(''), []);
    assert.throws(
      () => parseCidrList('10.0.0.0/33,10.0.0.0/8,banana,fd00::/129'),
      (err: Error) =>
        err.message.includes('10.0.0.0/33') &&
        err.message.includes('banana') &&
        err.message.includes('fd00::/129') &&
        !err.message.includes('10.0.0.0/8,'),
    );
  });

  it('serves every client without --allow-clients, and only the listed ones with it', () => {
    assert.equal(clientAllowed('198.51.100.7', []), true);
    const lab = parseCidrList('198.18.1.0/24,fd00:1::/64');
    assert.equal(clientAllowed('198.18.1.2', lab), true);
    assert.equal(
      clientAllowed('::ffff:198.18.1.2', lab),
      true,
      'IPv4-mapped from a dual-stack socket',
    );
    assert.equal(clientAllowed('fd00:1::2', lab), true);
    assert.equal(clientAllowed('198.18.2.2', lab), false);
    assert.equal(clientAllowed('', lab), false);
  });

  it('explains a refusal with the address and port', () => {
    const verdict = decideDestination('10.0.0.1', 443, NONE, SELF);
    assert.equal(verdict.allowed, false);
    if (!verdict.allowed) {
      assert.match(describeBlock(verdict, 443), /10\.0\.0\.1:443 is a private range/);
    }
    const v6 = decideDestination('fe80::1', 80, NONE, SELF);
    if (!v6.allowed) assert.match(describeBlock(v6, 80), /\[fe80::1\]:80/);
  });
});
