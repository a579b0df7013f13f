// Regular people with habits: a home city and home connection (whose address changes now and
// then), maybe a workplace, maybe a phone on a mobile carrier, a few devices with their browsers,
// preferred hours, how often they sign in, and for a few, a commercial VPN.
import { softwareFor, type DeviceKind, type Software } from './browsers.ts';
import type { Random } from './random.ts';
import { MOBILE_POOL, NETWORKS_PER_RESIDENTIAL_CITY, type AutonomousSystem, type City, type Country, type Network, type World } from './world.ts';

export interface Device {
  kind: DeviceKind;
  software: Software;
  /** Days this device lags behind a browser release before updating. */
  lag: number;
  /** Browser version in use is at most this (a device that stopped updating). */
  frozenAt?: number;
  /** The device cookie it holds, if any. */
  cookie?: string;
  /** How much its owner prefers it where it can be used. */
  weight: number;
  /** A desktop that stays at the office. */
  atWork?: true;
}

export interface Connection {
  network: Network;
  host: number;
}

export interface Person {
  id: string;
  country: Country;
  city: City;
  home: Connection & { static: boolean };
  /** Home connection over IPv6 for this share of home sign-ins. */
  homeIpv6: number;
  work?: Connection & { country: Country };
  carrier?: AutonomousSystem;
  vpn?: { system: AutonomousSystem; country: Country; share: number };
  devices: Device[];
  /** Sign-ins per day. */
  rate: number;
  /** Preferred local hours. */
  peaks: number[];
  weekend: number;
  /** The day the account was created. */
  start: number;
  failRate: number;
}

export const residential = (country: Country) => country.systems.filter((s) => s.kind === 'residential');
export const mobile = (country: Country) => country.systems.filter((s) => s.kind === 'mobile');
export const hosting = (country: Country) => country.systems.filter((s) => s.kind === 'hosting');

export function residentialNetwork(country: Country, city: City, random: Random, system?: AutonomousSystem, version: 4 | 6 = 4): Network {
  const chosen = system ?? random.weighted(residential(country), (s) => s.share);
  return { system: chosen, city, index: random.int(0, NETWORKS_PER_RESIDENTIAL_CITY - 1), version };
}

export function newDevice(kind: DeviceKind, random: Random, like?: Software): Device {
  // A replacement usually keeps its owner's platform and browser.
  const software = like && random.chance(0.8) ? like : softwareFor(kind, random);
  return { kind, software, lag: random.int(0, 21), ...(random.chance(0.04) ? { frozenAt: random.int(-120, -30) } : {}), weight: 0.5 + random.next() };
}

export function makePerson(world: World, index: number, random: Random, days: number): Person {
  const country = random.weighted(world.countries.filter((c) => c.users > 0), (c) => c.users);
  const city = random.weighted(country.cities, (c) => c.weight);
  const home = { network: residentialNetwork(country, city, random), host: random.int(2, 254), static: random.chance(0.3) };
  const homeIpv6 = home.network.system.ipv6 && random.chance(0.7) ? 0.3 + 0.6 * random.next() : 0;

  let work: Person['work'];
  if (random.chance(0.55)) {
    const workCity = random.chance(0.8) ? city : random.weighted(country.cities, (c) => c.weight);
    work = { network: residentialNetwork(country, workCity, random), host: random.int(2, 254), country };
  }
  const carrier = random.chance(0.8) ? random.weighted(mobile(country), (s) => s.share) : undefined;

  const devices: Device[] = [];
  if (random.chance(0.55)) devices.push(newDevice('desktop', random));
  if (random.chance(0.55) || !devices.length) devices.push(newDevice('laptop', random));
  if (carrier) devices.push(newDevice('phone', random));
  if (random.chance(0.15)) devices.push(newDevice('tablet', random));
  if (work && !devices.some((d) => d.kind === 'laptop')) devices.push({ ...newDevice('desktop', random), atWork: true });

  let vpn: Person['vpn'];
  if (random.chance(0.05)) {
    const vpnCountry = random.chance(0.5) ? country : world.byCode.get(random.pick(['NL', 'US', 'DE', 'GB']))!;
    vpn = { system: random.pick(hosting(vpnCountry)), country: vpnCountry, share: 0.1 + 0.3 * random.next() };
  }

  // From a sign-in a fortnight to several a day; most people in between.
  const rate = Math.min(4, Math.exp(random.normal(Math.log(0.35), 0.9)));
  const peaks = Array.from({ length: random.int(1, 3) }, () => random.pick([7, 8, 9, 12, 13, 18, 19, 20, 21, 22]) + random.normal(0, 1));
  return {
    id: `u${String(index).padStart(5, '0')}`,
    country,
    city,
    home,
    homeIpv6,
    ...(work ? { work } : {}),
    ...(carrier ? { carrier } : {}),
    ...(vpn ? { vpn } : {}),
    devices,
    rate,
    peaks,
    weekend: 0.5 + random.next(),
    // Most accounts exist from the start; some are opened along the way.
    start: random.chance(0.85) ? 0 : random.int(1, Math.max(1, days - 30)),
    failRate: 0.01 + 0.05 * random.next(),
  };
}

/** A carrier's addresses come from one shared pool, geolocated to its gateway city. */
export function mobileNetwork(carrier: AutonomousSystem, gateway: City, random: Random): Network {
  return { system: carrier, city: gateway, index: random.int(0, MOBILE_POOL - 1), version: 4 };
}
