// Addresses and the networks they belong to, for counting by network: an attacker spreads over
// the addresses of a network they hold (a /24 of IPv4, a /48 of IPv6 is one site's allocation),
// so a rule that counted single addresses would never see them.
import { isIPv4, isIPv6 } from 'node:net';

export interface Address {
  version: 4 | 6;
  bytes: Uint8Array;
}

function ipv4Bytes(ip: string): Uint8Array {
  return Uint8Array.from(ip.split('.').map(Number));
}

function ipv6Bytes(ip: string): Uint8Array {
  let text = ip.split('%')[0]!; // a zone index names an interface, not an address
  const bytes = new Uint8Array(16);
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    // The last 32 bits written as IPv4 (::ffff:192.0.2.1): turn them into two hex groups.
    const [a, b, c, d] = ipv4Bytes(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${((a! << 8) | b!).toString(16)}:${((c! << 8) | d!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const front = groups(head);
  const back = groups(tail);
  const all = tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  all.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/** The address, with an IPv4-mapped IPv6 address (how a dual-stack socket shows IPv4) as IPv4. */
export function parseAddress(ip: string): Address | undefined {
  if (isIPv4(ip)) return { version: 4, bytes: ipv4Bytes(ip) };
  if (!isIPv6(ip)) return undefined;
  const bytes = ipv6Bytes(ip);
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? { version: 4, bytes: bytes.slice(12) } : { version: 6, bytes };
}

function format({ version, bytes }: Address): string {
  if (version === 4) return [...bytes].join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[i * 2]! << 8) | bytes[i * 2 + 1]!);
  // The longest run of two or more zero groups becomes `::` (RFC 5952).
  let best = { at: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length && j - i >= 2) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}

/** The network of `bits` leading bits containing the address, in CIDR form: `203.0.113.0/24`. */
export function networkOf(address: Address, bits: number): string {
  const bytes = address.bytes.slice();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return `${format({ version: address.version, bytes })}/${bits}`;
}

/** The key one address counts under: itself for IPv4, its /64 for IPv6. */
export function addressKey(address: Address): string {
  return address.version === 4 ? format(address) : networkOf(address, 64);
}
