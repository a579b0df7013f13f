// Which address an attempt is counted under, pure. An IPv4 address is one client; IPv6 hands
// every subscriber a /64 at least, so a /64 is one client there (counting single IPv6 addresses
// would give an attacker 2^64 fresh budgets). Password spraying from many addresses of one
// network is counted per network: /24 for IPv4, /48 for IPv6 (the usual site allocations).
import { isIPv4, isIPv6 } from 'node:net';

/** ::ffff:192.0.2.1 (an IPv4 client on a dual-stack socket) is 192.0.2.1. */
function unmapped(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1]! : ip;
}

/** The eight 16-bit groups of an IPv6 address, or undefined when it is not one. */
function groupsOf(ip: string): number[] | undefined {
  const bare = ip.replace(/%.*$/, '');
  if (!isIPv6(bare)) return undefined;
  let text = bare;
  // A trailing dotted quad (::ffff:1.2.3.4 in full form) is two groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array(zeros).fill(0), ...right];
}

function prefix(groups: number[], count: number): string {
  return `${groups.slice(0, count).map((g) => g.toString(16)).join(':')}::/${count * 16}`;
}

/** The client an attempt comes from: the IPv4 address, or the IPv6 /64. Anything else (no
 * address at all) is counted as itself. */
export function clientOf(ip: string): string {
  const address = unmapped(ip.trim());
  if (isIPv4(address)) return address;
  const groups = groupsOf(address);
  return groups ? prefix(groups, 4) : address.slice(0, 64);
}

/** The network an attempt comes from: IPv4 /24, IPv6 /48. */
export function networkOf(ip: string): string {
  const address = unmapped(ip.trim());
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  const groups = groupsOf(address);
  return groups ? prefix(groups, 3) : address.slice(0, 64);
}
