// The synthetic world sign-ins happen in: countries with real codes, cities with real
// coordinates and time zones, and made-up autonomous systems — residential ISPs and mobile
// carriers with market shares, hosting/VPN providers — each with its own address blocks. Mobile
// carriers geolocate to their gateway city (as real carriers' CGNAT pools do), so a phone can
// appear hundreds of km from its owner. Addresses are synthetic: nothing here is looked up.
import type { Random } from './random.ts';

export interface City {
  name: string;
  region: string;
  lat: number;
  lon: number;
  /** UTC offset, hours (no daylight saving: the model reads UTC hours anyway). */
  tz: number;
  weight: number;
}

export type AsKind = 'residential' | 'mobile' | 'hosting';

export interface AutonomousSystem {
  asn: number;
  org: string;
  kind: AsKind;
  country: string;
  share: number;
  /** Whether its customers get IPv6 (residential only). */
  ipv6: boolean;
  /** Index of its address block. */
  block: number;
}

export interface Country {
  code: string;
  name: string;
  cities: City[];
  /** Share of the service's users. 0: attackers only. */
  users: number;
  /** Share of naive attackers' origins. */
  attackers: number;
  systems: AutonomousSystem[];
}

const c = (name: string, region: string, lat: number, lon: number, tz: number, weight = 1): City => ({ name, region, lat, lon, tz, weight });

const COUNTRIES: Omit<Country, 'systems'>[] = [
  { code: 'US', name: 'United States', users: 28, attackers: 12, cities: [c('New York', 'New York', 40.71, -74.01, -5, 3), c('Chicago', 'Illinois', 41.88, -87.63, -6, 2), c('Los Angeles', 'California', 34.05, -118.24, -8, 2.5), c('Houston', 'Texas', 29.76, -95.37, -6, 1.5), c('Seattle', 'Washington', 47.61, -122.33, -8, 1), c('Miami', 'Florida', 25.76, -80.19, -5, 1)] },
  { code: 'DE', name: 'Germany', users: 10, attackers: 3, cities: [c('Berlin', 'Berlin', 52.52, 13.41, 1, 2), c('Hamburg', 'Hamburg', 53.55, 9.99, 1, 1.2), c('Munich', 'Bavaria', 48.14, 11.58, 1, 1.2), c('Frankfurt am Main', 'Hesse', 50.11, 8.68, 1, 1), c('Cologne', 'North Rhine-Westphalia', 50.94, 6.96, 1, 1)] },
  { code: 'GB', name: 'United Kingdom', users: 8, attackers: 3, cities: [c('London', 'England', 51.51, -0.13, 0, 3), c('Manchester', 'England', 53.48, -2.24, 0, 1), c('Birmingham', 'England', 52.49, -1.89, 0, 1), c('Glasgow', 'Scotland', 55.86, -4.25, 0, 0.7)] },
  { code: 'FR', name: 'France', users: 7, attackers: 2, cities: [c('Paris', 'Île-de-France', 48.86, 2.35, 1, 3), c('Lyon', 'Auvergne-Rhône-Alpes', 45.76, 4.84, 1, 1), c('Marseille', "Provence-Alpes-Côte d'Azur", 43.3, 5.37, 1, 1), c('Toulouse', 'Occitanie', 43.6, 1.44, 1, 0.8)] },
  { code: 'BR', name: 'Brazil', users: 8, attackers: 8, cities: [c('São Paulo', 'São Paulo', -23.55, -46.63, -3, 3), c('Rio de Janeiro', 'Rio de Janeiro', -22.91, -43.17, -3, 2), c('Brasília', 'Federal District', -15.79, -47.88, -3, 1), c('Salvador', 'Bahia', -12.97, -38.5, -3, 1)] },
  { code: 'IN', name: 'India', users: 8, attackers: 8, cities: [c('Mumbai', 'Maharashtra', 19.08, 72.88, 5.5, 2), c('Delhi', 'Delhi', 28.7, 77.1, 5.5, 2), c('Bengaluru', 'Karnataka', 12.97, 77.59, 5.5, 1.5), c('Chennai', 'Tamil Nadu', 13.08, 80.27, 5.5, 1)] },
  { code: 'JP', name: 'Japan', users: 5, attackers: 1, cities: [c('Tokyo', 'Tokyo', 35.68, 139.69, 9, 3), c('Osaka', 'Osaka', 34.69, 135.5, 9, 1.5), c('Nagoya', 'Aichi', 35.18, 136.91, 9, 1)] },
  { code: 'CA', name: 'Canada', users: 4, attackers: 1, cities: [c('Toronto', 'Ontario', 43.65, -79.38, -5, 2), c('Montreal', 'Quebec', 45.5, -73.57, -5, 1.5), c('Vancouver', 'British Columbia', 49.28, -123.12, -8, 1)] },
  { code: 'AU', name: 'Australia', users: 3, attackers: 1, cities: [c('Sydney', 'New South Wales', -33.87, 151.21, 10, 2), c('Melbourne', 'Victoria', -37.81, 144.96, 10, 2), c('Perth', 'Western Australia', -31.95, 115.86, 8, 0.7)] },
  { code: 'ES', name: 'Spain', users: 3, attackers: 1, cities: [c('Madrid', 'Madrid', 40.42, -3.7, 1, 2), c('Barcelona', 'Catalonia', 41.39, 2.17, 1, 2), c('Valencia', 'Valencian Community', 39.47, -0.38, 1, 0.8)] },
  { code: 'IT', name: 'Italy', users: 3, attackers: 1, cities: [c('Rome', 'Lazio', 41.9, 12.5, 1, 2), c('Milan', 'Lombardy', 45.46, 9.19, 1, 2), c('Naples', 'Campania', 40.85, 14.27, 1, 1)] },
  { code: 'NL', name: 'Netherlands', users: 2, attackers: 2, cities: [c('Amsterdam', 'North Holland', 52.37, 4.9, 1, 2), c('Rotterdam', 'South Holland', 51.92, 4.48, 1, 1), c('Utrecht', 'Utrecht', 52.09, 5.12, 1, 0.7)] },
  { code: 'NO', name: 'Norway', users: 2, attackers: 0.3, cities: [c('Oslo', 'Oslo', 59.91, 10.75, 1, 2), c('Bergen', 'Vestland', 60.39, 5.32, 1, 1), c('Trondheim', 'Trøndelag', 63.43, 10.4, 1, 0.7)] },
  { code: 'MX', name: 'Mexico', users: 3, attackers: 2, cities: [c('Mexico City', 'Mexico City', 19.43, -99.13, -6, 3), c('Guadalajara', 'Jalisco', 20.66, -103.35, -6, 1), c('Monterrey', 'Nuevo León', 25.69, -100.32, -6, 1)] },
  { code: 'PL', name: 'Poland', users: 2, attackers: 2, cities: [c('Warsaw', 'Masovia', 52.23, 21.01, 1, 2), c('Kraków', 'Lesser Poland', 50.06, 19.94, 1, 1)] },
  { code: 'RU', name: 'Russia', users: 0, attackers: 10, cities: [c('Moscow', 'Moscow', 55.76, 37.62, 3, 3), c('Saint Petersburg', 'Saint Petersburg', 59.93, 30.36, 3, 1.5), c('Novosibirsk', 'Novosibirsk Oblast', 55.01, 82.93, 7, 0.5)] },
  { code: 'CN', name: 'China', users: 0, attackers: 10, cities: [c('Beijing', 'Beijing', 39.9, 116.41, 8, 2), c('Shanghai', 'Shanghai', 31.23, 121.47, 8, 2), c('Shenzhen', 'Guangdong', 22.54, 114.06, 8, 1.5)] },
  { code: 'VN', name: 'Vietnam', users: 0, attackers: 6, cities: [c('Hanoi', 'Hanoi', 21.03, 105.85, 7, 1), c('Ho Chi Minh City', 'Ho Chi Minh City', 10.82, 106.63, 7, 1.5)] },
  { code: 'NG', name: 'Nigeria', users: 0, attackers: 5, cities: [c('Lagos', 'Lagos', 6.52, 3.38, 1, 2), c('Abuja', 'FCT', 9.08, 7.4, 1, 1)] },
  { code: 'ID', name: 'Indonesia', users: 0, attackers: 5, cities: [c('Jakarta', 'Jakarta', -6.21, 106.85, 7, 2), c('Surabaya', 'East Java', -7.25, 112.75, 7, 1)] },
  { code: 'UA', name: 'Ukraine', users: 0, attackers: 4, cities: [c('Kyiv', 'Kyiv', 50.45, 30.52, 2, 2), c('Kharkiv', 'Kharkiv Oblast', 49.99, 36.23, 2, 1)] },
  { code: 'RO', name: 'Romania', users: 0, attackers: 3, cities: [c('Bucharest', 'Bucharest', 44.43, 26.1, 2, 2), c('Cluj-Napoca', 'Cluj', 46.77, 23.6, 2, 1)] },
];

/** Residential ISPs, mobile carriers and hosting providers per country, with made-up names and numbers. */
function systemsOf(country: Omit<Country, 'systems'>, index: number, ipv6: boolean[]): AutonomousSystem[] {
  const out: AutonomousSystem[] = [];
  let n = 0;
  const add = (kind: AsKind, org: string, share: number, v6 = false) =>
    out.push({ asn: 64_512 + index * 16 + n, org: `${org} (${country.code})`, kind, country: country.code, share, ipv6: v6, block: index * 16 + n++ });
  add('residential', 'Telecom', 0.42, ipv6[0]);
  add('residential', 'Cable', 0.28, ipv6[1]);
  add('residential', 'Fibre', 0.18);
  add('residential', 'Broadband', 0.12);
  add('mobile', 'Mobile One', 0.4);
  add('mobile', 'Mobile Two', 0.35);
  add('mobile', 'Mobile Three', 0.25);
  add('hosting', 'Hosting', 0.6);
  add('hosting', 'Cloud VPN', 0.4);
  return out;
}

export interface World {
  countries: Country[];
  byCode: Map<string, Country>;
}

export function makeWorld(): World {
  // Which residential ISPs hand out IPv6 is fixed, not random: the world is the same for every seed.
  const countries = COUNTRIES.map((country, i) => ({ ...country, systems: systemsOf(country, i, [i % 2 === 0, i % 3 === 0]) }));
  return { countries, byCode: new Map(countries.map((country) => [country.code, country])) };
}

/** A mobile carrier's gateway: its country's largest city. */
export const gatewayCity = (country: Country) => country.cities.reduce((a, b) => (b.weight > a.weight ? b : a));

export const NETWORKS_PER_RESIDENTIAL_CITY = 200;
export const MOBILE_POOL = 24;
export const HOSTING_POOL = 64;

export interface Network {
  system: AutonomousSystem;
  city: City;
  /** Index of the network within its system's block for that city. */
  index: number;
  version: 4 | 6;
}

/** The /24 (or /48) of a network, as text, and an address in it. */
export function prefixOf(net: Network, country: Country): string {
  const cityIndex = Math.max(0, country.cities.indexOf(net.city));
  if (net.version === 6) {
    return `2a0${net.system.block % 10}:${(0x1000 + net.system.block).toString(16)}:${(cityIndex * 4096 + net.index).toString(16)}`;
  }
  // One /16 per (system, city): 20.0.0.0 upwards, one first octet per 256 blocks.
  const b = net.system.block * 8 + cityIndex;
  return `${20 + (b >> 8)}.${b & 0xff}.${net.index}`;
}

/**
 * An address in the network: `host` picks the IPv4 host, or the IPv6 /64 (a home's LAN), whose
 * interface id is new every time (privacy extensions); without it, a random one.
 */
export function addressIn(net: Network, country: Country, random: Random, host?: number): string {
  const prefix = prefixOf(net, country);
  if (net.version === 6) {
    const h = () => random.int(0, 0xffff).toString(16);
    return `${prefix}:${(host ?? random.int(0, 0xff)).toString(16)}:${h()}:${h()}:${h()}:${h()}`;
  }
  return `${prefix}.${host ?? random.int(1, 254)}`;
}
