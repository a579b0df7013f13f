// The synthetic sign-in stream: people living their habits day by day — home, work, phone on
// the mobile network, a café now and then, trips at home and abroad, VPNs, new devices, cleared
// cookies, private windows, browser updates, mistyped passwords — and, in the evaluation window,
// takeover attempts by three kinds of attacker (attacks.ts). Seeded: one seed, one stream.
import { currentMajor, softwareFor, type DeviceKind } from './browsers.ts';
import { attackFor } from './attacks.ts';
import { newDevice, makePerson, mobileNetwork, residentialNetwork, type Device, type Person } from './people.ts';
import { seeded, type Random } from './random.ts';
import { rowFor, START, type Placed } from './rows.ts';
import type { AttackKind, SyntheticSignIn } from './schema.ts';
import { gatewayCity, HOSTING_POOL, makeWorld, type City, type Country, type Network, type World } from './world.ts';

export interface GeneratorOptions {
  seed: string;
  people: number;
  /** Days simulated. */
  days: number;
  /** Attacks are made from this day on (the days before build histories and the prior). */
  evaluateFrom: number;
  /** Takeover attempts per account and attacker kind within the evaluation window. */
  attacksPerKind: number;
}

export const DEFAULT_GENERATOR: Omit<GeneratorOptions, 'seed'> = { people: 2_000, days: 240, evaluateFrom: 60, attacksPerKind: 2 };

interface Trip {
  until: number;
  country: Country;
  city: City;
  hotel: Network;
}

const DAY = 86_400_000;

function localHour(person: Person, random: Random): number {
  if (random.chance(0.15)) return 7 + random.next() * 17;
  return (((random.pick(person.peaks) + random.normal(0, 1.5)) % 24) + 24) % 24;
}

/** Devices of these kinds; the office desktop only at work, and only there. */
function usable(devices: Device[], kinds: DeviceKind[], atWork = false): Device[] {
  return devices.filter((d) => kinds.includes(d.kind) && (d.atWork ?? false) === atWork);
}

class Life {
  readonly events: SyntheticSignIn[] = [];
  trip?: Trip;
  lastMobile?: { network: Network; day: number };
  cookies = 0;

  readonly world: World;
  readonly person: Person;
  readonly random: Random;
  readonly options: GeneratorOptions;

  constructor(world: World, person: Person, random: Random, options: GeneratorOptions) {
    this.world = world;
    this.person = person;
    this.random = random;
    this.options = options;
  }

  cookie(): string {
    return `${this.person.id}-d${++this.cookies}`;
  }

  /** Device changes and connection changes of one day. */
  morning(day: number): void {
    const { person, random } = this;
    if (!person.home.static && random.chance(1 / 25)) person.home.host = random.int(2, 254);
    if (random.chance(1 / 250)) person.home.network = residentialNetwork(person.country, person.city, random, person.home.network.system);
    person.devices = person.devices.map((device) => {
      if (random.chance(1 / 700)) return { ...newDevice(device.kind, random, device.software), ...(device.atWork ? { atWork: true as const } : {}) };
      if (random.chance(1 / 1500)) return { ...device, software: softwareFor(device.kind, random), cookie: undefined } as Device;
      return device;
    });
    if (this.trip && day >= this.trip.until) delete this.trip;
    if (!this.trip && random.chance(1 / 70)) {
      const abroad = random.chance(0.35);
      const country = abroad ? random.weighted(this.world.countries.filter((c) => c.users > 0 && c !== person.country), (c) => c.users) : person.country;
      const cities = country.cities.filter((c) => c !== person.city);
      const city = random.weighted(cities.length ? cities : country.cities, (c) => c.weight);
      this.trip = { until: day + random.int(2, 9), country, city, hotel: residentialNetwork(country, city, random) };
    }
  }

  /** Where and on what one genuine sign-in happens. */
  place(day: number, hour: number): Placed & { device: Device | undefined; context: string } {
    const { person, random } = this;
    const weekday = (day % 7) < 5;
    const pickDevice = (kinds: DeviceKind[], atWork = false) => {
      const options = [...usable(person.devices, kinds), ...(atWork ? usable(person.devices, ['desktop'], true) : [])];
      return options.length ? random.weighted(options, (d) => d.weight) : undefined;
    };
    const mobileHere = (): Network => {
      // A phone keeps its mobile network for a while; abroad it roams through its home carrier.
      if (this.lastMobile && this.lastMobile.day === day && random.chance(0.6)) return this.lastMobile.network;
      const network = mobileNetwork(person.carrier!, gatewayCity(person.country), random);
      this.lastMobile = { network, day };
      return network;
    };

    if (person.vpn && random.chance(person.vpn.share)) {
      const { system, country } = person.vpn;
      const network: Network = { system, city: gatewayCity(country), index: random.int(0, HOSTING_POOL - 1), version: 4 };
      return { network, country, device: pickDevice(['desktop', 'laptop', 'phone']), context: 'vpn' };
    }
    if (random.chance(0.005)) {
      // A friend's or a library's computer: a browser the account has never seen.
      const network = residentialNetwork(person.country, person.city, random);
      const device = newDevice(random.chance(0.5) ? 'desktop' : 'laptop', random);
      return { network, country: person.country, device: { ...device, weight: 0 }, context: 'borrowed' };
    }
    if (this.trip) {
      const { country, city, hotel } = this.trip;
      const device = pickDevice(['laptop', 'phone', 'tablet']);
      const roll = random.next();
      if (device?.kind === 'phone' && person.carrier && roll < 0.45) return { network: mobileHere(), country: person.country, device, context: 'travel-mobile' };
      if (roll < 0.9) return { network: hotel, country, device, context: 'travel-hotel' };
      return { network: residentialNetwork(country, city, random), country, device, context: 'travel-cafe' };
    }
    if (random.chance(0.03)) {
      const device = pickDevice(['laptop', 'phone']);
      if (device) return { network: residentialNetwork(person.country, person.city, random), country: person.country, device, context: 'cafe' };
    }
    const atWork = person.work && weekday && hour >= 9 && hour < 17 && random.chance(0.7);
    const onMobile = person.carrier && random.chance(atWork ? 0.3 : 0.22);
    if (onMobile) return { network: mobileHere(), country: person.country, device: pickDevice(['phone']), context: 'mobile' };
    if (atWork) return { network: person.work!.network, host: person.work!.host, country: person.country, device: pickDevice(['laptop', 'phone'], true), context: 'work' };
    const v6 = person.homeIpv6 > 0 && random.chance(person.homeIpv6);
    const network: Network = v6 ? { ...person.home.network, version: 6 } : person.home.network;
    return { network, host: person.home.host, country: person.country, device: pickDevice(['desktop', 'laptop', 'tablet', 'phone']), context: 'home' };
  }

  signIn(day: number): void {
    const { person, random } = this;
    const tz = this.trip?.city.tz ?? person.city.tz;
    const hour = localHour(person, random);
    const at = Math.round(START + day * DAY + (hour - tz) * 3_600_000);
    const placed = this.place(day, hour);
    const device = placed.device ?? person.devices[0]!;
    if (random.chance(0.008)) device.cookie = undefined;
    const incognito = random.chance(0.015);
    const presented = incognito ? undefined : device.cookie;
    const issued = presented ?? this.cookie();
    if (!incognito && device.weight > 0) device.cookie = issued;
    const major = Math.min(currentMajor(device.software.browser, day - device.lag), device.frozenAt !== undefined ? currentMajor(device.software.browser, device.frozenAt) : Infinity);
    const base = { person, device, placed, major, random };
    if (random.chance(person.failRate)) this.events.push(rowFor({ ...base, at: at - random.int(20_000, 90_000), success: false, context: placed.context }));
    this.events.push(rowFor({ ...base, at, success: true, ...(presented ? { presented } : {}), issued, context: placed.context }));
  }

  attack(day: number, kind: AttackKind): void {
    const { person, random } = this;
    const primary = person.devices.reduce((a, b) => (b.weight > a.weight ? b : a));
    this.events.push(attackFor(kind, { world: this.world, victim: person, primary, day, random }));
  }

  live(): SyntheticSignIn[] {
    const { person, random, options } = this;
    const attackChance = options.attacksPerKind / Math.max(1, options.days - options.evaluateFrom);
    for (let day = person.start; day < options.days; day++) {
      this.morning(day);
      const weekend = day % 7 >= 5;
      const count = random.poisson(person.rate * (weekend ? person.weekend : 1));
      // The account is opened with a sign-in.
      for (let i = 0; i < (day === person.start ? Math.max(1, count) : count); i++) this.signIn(day);
      if (day >= options.evaluateFrom && day > person.start) {
        for (const kind of ['naive', 'vpn', 'targeted'] as const) if (random.chance(attackChance)) this.attack(day, kind);
      }
    }
    return this.events;
  }
}

/** Every sign-in of every person, genuine and attack, in time order. */
export function generate(options: GeneratorOptions): SyntheticSignIn[] {
  const world = makeWorld();
  const root = seeded(options.seed);
  const events: SyntheticSignIn[] = [];
  for (let i = 0; i < options.people; i++) {
    const random = root.fork(`person-${i}`);
    const person = makePerson(world, i, random, options.days);
    events.push(...new Life(world, person, random, options).live());
  }
  events.sort((a, b) => a.at - b.at);
  events.forEach((event, index) => (event.row.index = index));
  return events;
}
