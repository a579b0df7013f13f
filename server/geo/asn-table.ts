// IP range → autonomous system, from the CSV of @ip-location-db/asn (`start,end,asn,"org"`, the
// addresses as decimal integers). No permissively licensed ASN database is published on npm in
// MMDB form, so the CSV is read once at start-up into sorted typed arrays (about 8 MB for
// ~500k ranges) and looked up by binary search. Pure: the caller reads the files.
import type { Address } from './address.ts';

export interface AsnInfo {
  asn: number;
  org: string;
}

export interface AsnTable {
  lookup(address: Address): AsnInfo | undefined;
  readonly size: number;
}

interface Row {
  start: string;
  end: string;
  asn: number;
  org: string;
}

function* rows(csv: string): Generator<Row> {
  let at = 0;
  while (at < csv.length) {
    let eol = csv.indexOf('\n', at);
    if (eol < 0) eol = csv.length;
    const line = csv.charCodeAt(eol - 1) === 13 ? csv.slice(at, eol - 1) : csv.slice(at, eol);
    at = eol + 1;
    const c1 = line.indexOf(',');
    const c2 = line.indexOf(',', c1 + 1);
    const c3 = line.indexOf(',', c2 + 1);
    if (c1 < 0 || c2 < 0 || c3 < 0) continue;
    let org = line.slice(c3 + 1);
    if (org.startsWith('"')) org = org.slice(1, -1).replaceAll('""', '"');
    yield { start: line.slice(0, c1), end: line.slice(c1 + 1, c2), asn: Number(line.slice(c2 + 1, c3)), org };
  }
}

/** Organisation names repeat across thousands of ranges: each is stored once. */
function interner() {
  const names: string[] = [];
  const index = new Map<string, number>();
  return {
    names,
    id(name: string): number {
      let i = index.get(name);
      if (i === undefined) index.set(name, (i = names.push(name) - 1));
      return i;
    },
  };
}

function grow<T extends Uint32Array | BigUint64Array>(array: T, length: number): T {
  if (length <= array.length) return array;
  const bigger = new (array.constructor as new (n: number) => T)(Math.max(length, array.length * 2));
  bigger.set(array as never);
  return bigger;
}

/** Builds the table from the IPv4 and IPv6 "-num" CSVs. Ranges must be sorted and disjoint, as published. */
export function buildAsnTable(csv4: string, csv6: string): AsnTable {
  const orgs = interner();
  let start4 = new Uint32Array(1 << 16);
  let end4 = new Uint32Array(1 << 16);
  let meta4 = new Uint32Array(2 << 16);
  let n4 = 0;
  for (const row of rows(csv4)) {
    start4 = grow(start4, n4 + 1);
    end4 = grow(end4, n4 + 1);
    meta4 = grow(meta4, 2 * n4 + 2);
    start4[n4] = Number(row.start);
    if (n4 > 0 && start4[n4]! < start4[n4 - 1]!) throw new Error('ASN table: IPv4 ranges are not sorted');
    end4[n4] = Number(row.end);
    meta4[2 * n4] = row.asn;
    meta4[2 * n4 + 1] = orgs.id(row.org);
    n4++;
  }
  // IPv6 ranges are 128-bit; kept as the upper and lower halves of start and end.
  let v6 = new BigUint64Array(4 << 14);
  let meta6 = new Uint32Array(2 << 14);
  let n6 = 0;
  const mask = (1n << 64n) - 1n;
  let previous = -1n;
  for (const row of rows(csv6)) {
    v6 = grow(v6, 4 * n6 + 4);
    meta6 = grow(meta6, 2 * n6 + 2);
    const s = BigInt(row.start);
    if (s < previous) throw new Error('ASN table: IPv6 ranges are not sorted');
    previous = s;
    const e = BigInt(row.end);
    v6[4 * n6] = s >> 64n;
    v6[4 * n6 + 1] = s & mask;
    v6[4 * n6 + 2] = e >> 64n;
    v6[4 * n6 + 3] = e & mask;
    meta6[2 * n6] = row.asn;
    meta6[2 * n6 + 1] = orgs.id(row.org);
    n6++;
  }
  // Drop the growth slack (up to half of each array).
  [start4, end4, meta4, v6, meta6] = [start4.slice(0, n4), end4.slice(0, n4), meta4.slice(0, 2 * n4), v6.slice(0, 4 * n6), meta6.slice(0, 2 * n6)];

  const info = (meta: Uint32Array, i: number): AsnInfo | undefined => {
    const asn = meta[2 * i]!;
    return asn ? { asn, org: orgs.names[meta[2 * i + 1]!]! } : undefined;
  };
  // Index of the last range whose start is ≤ the address, or -1.
  const floor = (n: number, below: (i: number) => boolean) => {
    let lo = 0;
    let hi = n - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (below(mid)) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  const le = (aHi: bigint, aLo: bigint, bHi: bigint, bLo: bigint) => aHi < bHi || (aHi === bHi && aLo <= bLo);

  return {
    size: n4 + n6,
    lookup(address) {
      if (address.version === 4) {
        const i = floor(n4, (k) => start4[k]! <= address.value);
        return i >= 0 && address.value <= end4[i]! ? info(meta4, i) : undefined;
      }
      const { hi, lo } = address;
      const i = floor(n6, (k) => le(v6[4 * k]!, v6[4 * k + 1]!, hi, lo));
      return i >= 0 && le(hi, lo, v6[4 * i + 2]!, v6[4 * i + 3]!) ? info(meta6, i) : undefined;
    },
  };
}
