// The places a generated month happens in: cities with their offsets from UTC (standard time)
// and the addresses their networks hand out. Addresses are strings only: nothing is sent to them.
import type { Place } from '../../../server/audit/fields.ts';

export interface City {
  name: string;
  country: string;
  latitude: number;
  longitude: number;
  utcOffset: number;
  asn: number;
}

const city = (name: string, country: string, latitude: number, longitude: number, utcOffset: number, asn: number): City => ({ name, country, latitude, longitude, utcOffset, asn });

export const CITIES = [
  city('Berlin', 'DE', 52.52, 13.405, 1, 3320),
  city('Hamburg', 'DE', 53.5511, 9.9937, 1, 3320),
  city('Munich', 'DE', 48.1351, 11.582, 1, 3209),
  city('Paris', 'FR', 48.8566, 2.3522, 1, 3215),
  city('Lyon', 'FR', 45.764, 4.8357, 1, 12322),
  city('London', 'GB', 51.5074, -0.1278, 0, 2856),
  city('Manchester', 'GB', 53.4808, -2.2426, 0, 5089),
  city('New York', 'US', 40.7128, -74.006, -5, 7922),
  city('San Francisco', 'US', 37.7749, -122.4194, -8, 7018),
  city('Chicago', 'US', 41.8781, -87.6298, -6, 7922),
  city('Austin', 'US', 30.2672, -97.7431, -6, 11427),
  city('Toronto', 'CA', 43.6532, -79.3832, -5, 812),
  city('São Paulo', 'BR', -23.5505, -46.6333, -3, 28573),
  city('Sydney', 'AU', -33.8688, 151.2093, 11, 1221),
  city('Perth', 'AU', -31.9505, 115.8605, 8, 4739),
  city('Tokyo', 'JP', 35.6762, 139.6503, 9, 2516),
  // Cross-border pairs: people live on one side and work on the other.
  city('Basel', 'CH', 47.5596, 7.5886, 1, 3303),
  city('Lörrach', 'DE', 47.6156, 7.6613, 1, 3320),
  city('Geneva', 'CH', 46.2044, 6.1432, 1, 3303),
  city('Annemasse', 'FR', 46.1934, 6.2342, 1, 3215),
  city('Copenhagen', 'DK', 55.6761, 12.5683, 1, 3292),
  city('Malmö', 'SE', 55.605, 13.0038, 1, 3301),
] as const;

export type CityName = (typeof CITIES)[number]['name'];
export const cityNamed = (name: CityName): City => CITIES.find((c) => c.name === name)!;
export const cityIndex = (c: City) => CITIES.indexOf(c as (typeof CITIES)[number]);

/** Home city → where such a person may work (the same city, or across a border). */
export const COMMUTES: [home: CityName, work: CityName][] = [
  ['Lörrach', 'Basel'],
  ['Annemasse', 'Geneva'],
  ['Malmö', 'Copenhagen'],
];

/** Where an address in this city geolocates: the city, give or take a few km. */
export function placeIn(c: City, jitter: () => number): Place {
  return {
    country: c.country,
    city: c.name,
    latitude: Math.round((c.latitude + (jitter() - 0.5) * 0.1) * 1e4) / 1e4,
    longitude: Math.round((c.longitude + (jitter() - 0.5) * 0.1) * 1e4) / 1e4,
    asn: c.asn,
  };
}

/** A home broadband address in the city: IPv4 from one of four ISPs, or a /48 of IPv6 per home. */
export function homeAddress(c: City, person: number, isp: number, host: number, ipv6: boolean): string {
  const i = cityIndex(c);
  if (ipv6) return `2a02:${(0x1000 + i).toString(16)}:${person.toString(16)}:${isp.toString(16)}::${(host + 1).toString(16)}`;
  return `${31 + i}.${100 + isp}.${host >> 8}.${(host & 255) || 1}`;
}

/** A mobile carrier's address: carrier-grade NAT, a different one almost every time. */
export const mobileAddress = (c: City, a: number, b: number, h: number) => `${150 + cityIndex(c)}.${a}.${b}.${h || 1}`;

/** An office's egress address: one NAT for everyone in it. */
export const officeAddress = (office: number) => `${80 + (office >> 4)}.20.${30 + (office & 15)}.1`;

/** A hotel's guest network in the city. */
export const hotelAddress = (c: City, a: number, h: number) => `${31 + cityIndex(c)}.200.${a}.${h || 1}`;

export const USER_AGENTS = {
  laptop: ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/138.0 Safari/537.36', 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0'],
  phone: ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148', 'Mozilla/5.0 (Linux; Android 15; Pixel 9) Chrome/138.0 Mobile Safari/537.36'],
  tablet: ['Mozilla/5.0 (iPad; CPU OS 18_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148'],
};
export type DeviceKind = keyof typeof USER_AGENTS;
