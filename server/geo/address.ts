// IP addresses as numbers: parsing (IPv4, IPv6, IPv4-mapped IPv6), the network a sign-in is
// grouped by (/24 for IPv4, /48 for IPv6: what one ISP customer or one site usually holds), and
// the ranges that never reach us from the public Internet. Pure: no database, no I/O.
import { isIPv4, isIPv6 } from 'node:net';

export interface Address4 {
  version: 4;
  /** The address as an unsigned 32-bit integer. */
  value: number;
  /** Dotted quad, as the databases and the history key it. */
  text: string;
}

export interface Address6 {
  version: 6;
  /** The upper and lower 64 bits. */
  hi: bigint;
  lo: bigint;
  /** Eight hextets, for the /48 and the range checks. */
  hextets: number[];
  text: string;
}

export type Address = Address4 | Address6;

const MASK64 = (1n << 64n) - 1n;

function parse4(text: string): Address4 {
  const parts = text.split('.').map(Number);
  const value = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  return { version: 4, value, text: parts.join('.') };
}

function expand6(text: string): number[] {
  // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) becomes two hextets.
  let body = text;
  const lastColon = body.lastIndexOf(':');
  const tail = body.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parse4(tail).value;
    body = `${body.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, rest] = body.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array.from({ length: fill }, () => '0'), ...right].map((h) => parseInt(h, 16));
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero hextets as `::`. */
function format6(hextets: number[]): string {
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (hextets[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && hextets[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  const hex = hextets.map((h) => h.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

/**
 * Parses an address as a client's socket or a proxy's header gives it. An IPv4-mapped IPv6
 * address (`::ffff:192.0.2.1`, which a dual-stack socket reports for IPv4 clients) is the IPv4
 * address. Anything else that is not an address (including a zone id) gives undefined.
 */
export function parseAddress(input: string): Address | undefined {
  const text = input.trim();
  if (isIPv4(text)) return parse4(text);
  if (!isIPv6(text) || text.includes('%')) return undefined;
  const hextets = expand6(text.toLowerCase());
  if (hextets.slice(0, 5).every((h) => h === 0) && hextets[5] === 0xffff) {
    return parse4(`${hextets[6]! >>> 8}.${hextets[6]! & 0xff}.${hextets[7]! >>> 8}.${hextets[7]! & 0xff}`);
  }
  let hi = 0n;
  let lo = 0n;
  for (let i = 0; i < 4; i++) hi = (hi << 16n) | BigInt(hextets[i]!);
  for (let i = 4; i < 8; i++) lo = (lo << 16n) | BigInt(hextets[i]!);
  return { version: 6, hi: hi & MASK64, lo: lo & MASK64, hextets, text: format6(hextets) };
}

/** The IPv6 prefix of `bits` (a multiple of 16) holding the address, as CIDR text. */
export function prefix6(address: Address6, bits: 16 | 32 | 48 | 64 | 80 | 96 | 112): string {
  const kept = bits / 16;
  return `${format6([...address.hextets.slice(0, kept), ...Array.from({ length: 8 - kept }, () => 0)])}/${bits}`;
}

/** The /24 (IPv4) or /48 (IPv6) holding the address, as CIDR text: `192.0.2.0/24`, `2001:db8:1::/48`. */
export function networkOf(address: Address): string {
  if (address.version === 4) {
    const v = address.value;
    return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.0/24`;
  }
  return prefix6(address, 48);
}

type Range4 = [base: number, bits: number];
// RFC 6890 special-purpose ranges a browser of ours could appear from only on a private path:
// "this network", RFC 1918, carrier-grade NAT, loopback, link-local.
const PRIVATE4: Range4[] = [
  [0x00000000, 8],
  [0x0a000000, 8],
  [0x64400000, 10],
  [0x7f000000, 8],
  [0xa9fe0000, 16],
  [0xac100000, 12],
  [0xc0a80000, 16],
];

function in4(value: number, [base, bits]: Range4): boolean {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((value & mask) >>> 0) === base;
}

/** Loopback, unspecified, RFC 1918, CGNAT, link-local, unique local (fc00::/7) and link-local (fe80::/10). */
export function isPrivate(address: Address): boolean {
  if (address.version === 4) return PRIVATE4.some((range) => in4(address.value, range));
  if (address.hi === 0n && (address.lo === 0n || address.lo === 1n)) return true;
  const first = address.hextets[0]!;
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}
