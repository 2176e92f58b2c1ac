/**
 * Containment: where the sensor may connect on a client's behalf and which clients may use it. A
 * honeypot must not reach the sensor itself, the gateway's other services, loopback, link-local
 * or cloud metadata addresses, or (unless a lab opens them) private networks through the proxy.
 * Pure decisions over parsed addresses: the callers resolve names once and connect to exactly the
 * address decided on here, so DNS cannot change the answer between the check and the connect.
 *
 * Rules, in order:
 *  1. Unparseable, unspecified (0.0.0.0, ::), multicast, broadcast and reserved addresses: refused.
 *  2. The sensor's own ports on its own or loopback addresses: refused (a loop), whatever the lists say.
 *  3. The longest matching prefix of --allow-destinations / --deny-destinations decides for the
 *     address (deny wins a tie). A deny match refuses.
 *  4. Loopback, link-local, metadata (169.254.169.254, fd00:ec2::254) and the sensor's own
 *     interface addresses are refused unless the deciding allow entry is no broader than that
 *     range (127.0.0.0/8 opens loopback, 0.0.0.0/0 does not; an own address needs its /32 or /128).
 *  5. Private ranges (RFC 1918, CGNAT 100.64/10, benchmarking 198.18/15, documentation and IETF
 *     ranges, ULA fc00::/7, 2001:db8::/32) are refused unless an allow entry matches.
 *  6. Anything else is allowed.
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

export interface Cidr {
  /** As written in the setting. */
  readonly text: string;
  readonly address: Address;
  readonly bits: number;
}

export type BlockReason =
  | 'invalid-address'
  | 'reserved'
  | 'sensor-itself'
  | 'denied'
  | 'metadata'
  | 'loopback'
  | 'link-local'
  | 'sensor-address'
  | 'private';

export type Verdict =
  | { readonly allowed: true; readonly ip: string }
  | { readonly allowed: false; readonly ip: string; readonly reason: BlockReason };

export interface DestinationPolicy {
  readonly allow: readonly Cidr[];
  readonly deny: readonly Cidr[];
}

/** The sensor's own addresses (non-loopback interface addresses) and listening ports. */
export interface SelfView {
  readonly addresses: ReadonlySet<string>;
  readonly ports: ReadonlySet<number>;
}

/** Parses one CIDR ('10.0.0.0/8', 'fd00::/8') or bare address (a /32 or /128). */
export function parseCidr(text: string): Cidr {
  const raw = text.trim();
  try {
    if (raw.includes('/')) {
      const [address, bits] = ipaddr.parseCIDR(raw);
      // '::ffff:10.0.0.0/104' is 10.0.0.0/8 (clients arrive IPv4-mapped on a dual-stack socket)
      if (bits >= 96 && address.kind() === 'ipv6') {
        const v4 = unmapped(address);
        if (v4.kind() === 'ipv4') return { text: raw, address: v4, bits: bits - 96 };
      }
      return { text: raw, address, bits };
    }
    const address = unmapped(ipaddr.parse(raw));
    return { text: raw, address, bits: address.kind() === 'ipv4' ? 32 : 128 };
  } catch {
    throw new Error(`${JSON.stringify(raw)} is not an IP address or CIDR range`);
  }
}

/** Comma-separated CIDRs; every bad entry is named. An empty list is allowed ('' → []). */
export function parseCidrList(raw: string): Cidr[] {
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const bad: string[] = [];
  const result: Cidr[] = [];
  for (const entry of entries) {
    try {
      result.push(parseCidr(entry));
    } catch {
      bad.push(entry);
    }
  }
  if (bad.length > 0) throw new Error(`not IP addresses or CIDR ranges: ${bad.join(', ')}`);
  return result;
}

function unmapped(address: Address): Address {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

/** Parses an address for a decision ('::ffff:10.0.0.1' counts as 10.0.0.1); undefined if not one. */
export function parseAddress(ip: string): Address | undefined {
  // zone ids (fe80::1%eth0) are not addresses a client can name usefully: parse without them
  const bare = ip.includes('%') ? ip.slice(0, ip.indexOf('%')) : ip;
  if (!ipaddr.isValid(bare)) return undefined;
  try {
    return unmapped(ipaddr.parse(bare));
  } catch {
    return undefined;
  }
}

function matches(address: Address, cidr: Cidr): boolean {
  return address.kind() === cidr.address.kind() && address.match(cidr.address, cidr.bits);
}

const range = (text: string, reason: BlockReason): { cidr: Cidr; reason: BlockReason } => ({
  cidr: parseCidr(text),
  reason,
});

/** Refused whatever the lists say. */
const RESERVED = [
  '0.0.0.0/8',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '255.255.255.255/32',
  '::/128',
  'ff00::/8',
].map((text) => parseCidr(text));

/** Opened only by an allow entry no broader than the range itself. Most specific first. */
const SENSITIVE = [
  range('169.254.169.254/32', 'metadata'),
  range('fd00:ec2::254/128', 'metadata'),
  range('127.0.0.0/8', 'loopback'),
  range('::1/128', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('fe80::/10', 'link-local'),
];

/** Opened by any matching allow entry. */
const PRIVATE = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '198.18.0.0/15',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '198.51.100.0/24',
  '203.0.113.0/24',
  'fc00::/7',
  '2001:db8::/32',
].map((text) => parseCidr(text));

/** The deciding list entry for an address: the longest matching prefix, deny winning a tie. */
function decidingEntry(
  address: Address,
  policy: DestinationPolicy,
): { allow: boolean; bits: number } | undefined {
  let best: { allow: boolean; bits: number } | undefined;
  for (const cidr of policy.deny) {
    if (matches(address, cidr) && (!best || cidr.bits > best.bits))
      best = { allow: false, bits: cidr.bits };
  }
  for (const cidr of policy.allow) {
    if (matches(address, cidr) && (!best || cidr.bits > best.bits))
      best = { allow: true, bits: cidr.bits };
  }
  return best;
}

/** Whether the sensor may connect to ip:port. */
export function decideDestination(
  ip: string,
  port: number,
  policy: DestinationPolicy,
  self: SelfView,
): Verdict {
  const address = parseAddress(ip);
  if (!address) return { allowed: false, ip, reason: 'invalid-address' };
  const text = address.toString();
  const blocked = (reason: BlockReason): Verdict => ({ allowed: false, ip: text, reason });
  if (RESERVED.some((cidr) => matches(address, cidr))) return blocked('reserved');

  const own = self.addresses.has(text);
  const loopback = address.range() === 'loopback';
  if ((own || loopback) && self.ports.has(port)) return blocked('sensor-itself');

  const entry = decidingEntry(address, policy);
  if (entry && !entry.allow) return blocked('denied');

  const full = address.kind() === 'ipv4' ? 32 : 128;
  if (own && !(entry?.allow && entry.bits === full)) return blocked('sensor-address');
  for (const { cidr, reason } of SENSITIVE) {
    if (matches(address, cidr)) {
      return entry?.allow && entry.bits >= cidr.bits
        ? { allowed: true, ip: text }
        : blocked(reason);
    }
  }
  if (!entry?.allow && PRIVATE.some((cidr) => matches(address, cidr))) return blocked('private');
  return { allowed: true, ip: text };
}

/** Whether a client may use the sensor: everyone when the list is empty. */
export function clientAllowed(ip: string, allowClients: readonly Cidr[]): boolean {
  if (allowClients.length === 0) return true;
  const address = parseAddress(ip);
  return !!address && allowClients.some((cidr) => matches(address, cidr));
}

const BLOCK_TEXT: Record<BlockReason, string> = {
  'invalid-address': 'not a valid address',
  reserved: 'an unspecified, multicast, broadcast or reserved address',
  'sensor-itself': 'the sensor itself',
  denied: 'a denied destination (--deny-destinations)',
  metadata: 'a cloud metadata address',
  loopback: 'a loopback address',
  'link-local': 'a link-local address',
  'sensor-address': "one of the sensor's own addresses",
  private: 'a private range (open it with --allow-destinations)',
};

/** A sentence for the flow's error message and the client's 403. */
export function describeBlock(verdict: Verdict & { allowed: false }, port: number): string {
  const where = verdict.ip.includes(':') ? `[${verdict.ip}]:${port}` : `${verdict.ip}:${port}`;
  return `containment: ${where} is ${BLOCK_TEXT[verdict.reason]}; not forwarded`;
}
