// Account takeover attempts with the right password, by three kinds of attacker (after the
// attacker models of Wiefling et al.'s RBA studies). None presents the victim's device cookie.
//
// - naive: anywhere in the world (weighted by where attacks come from), a hosting or residential
//   address, any browser at any version of the last two years, or a script; any time of day.
// - vpn: a VPN or hosting exit in the victim's country, a popular current browser; any time.
// - targeted: knows the victim's country, browser and device type. Residential proxy in that
//   country (ISP by market share, the victim's city half the time), or a mobile proxy on one of
//   the country's carriers when the victim's device is a phone or tablet (three times in ten);
//   the victim's browser at its current version, on the most common OS for that browser and
//   device type; during the day where the victim lives.
import { currentMajor, likeliestOs, SCRIPT_AGENTS, softwareFor, type DeviceKind } from './browsers.ts';
import { hosting, mobile, residentialNetwork, type Device, type Person } from './people.ts';
import type { Random } from './random.ts';
import { rowFor, START } from './rows.ts';
import type { AttackKind, SyntheticSignIn } from './schema.ts';
import { gatewayCity, HOSTING_POOL, MOBILE_POOL, type Country, type Network, type World } from './world.ts';

export interface AttackContext {
  world: World;
  victim: Person;
  /** The victim's most used device. */
  primary: Device;
  day: number;
  random: Random;
}

const DAY = 86_400_000;

function hostingNetwork(country: Country, random: Random): Network {
  return { system: random.pick(hosting(country)), city: gatewayCity(country), index: random.int(0, HOSTING_POOL - 1), version: 4 };
}

function naive({ world, victim, day, random }: AttackContext): SyntheticSignIn {
  const country = random.weighted(world.countries, (c) => c.attackers);
  const network = random.chance(0.6) ? hostingNetwork(country, random) : residentialNetwork(country, random.weighted(country.cities, (c) => c.weight), random);
  const at = START + day * DAY + random.int(0, DAY - 1);
  const placed = { network, country };
  if (random.chance(0.1)) return rowFor({ person: victim, device: { script: random.pick(SCRIPT_AGENTS) }, placed, major: 0, random, at, success: true, attack: 'naive' });
  const kind: DeviceKind = random.chance(0.75) ? 'desktop' : 'phone';
  const software = softwareFor(kind, random);
  // Any release of the last two years.
  const major = currentMajor(software.browser, day - random.int(0, 730));
  return rowFor({ person: victim, device: { kind, software }, placed, major, random, at, success: true, attack: 'naive' });
}

function vpn({ victim, day, random }: AttackContext): SyntheticSignIn {
  const country = victim.country;
  const kind: DeviceKind = random.chance(0.7) ? 'desktop' : 'phone';
  const software = softwareFor(kind, random);
  const at = START + day * DAY + random.int(0, DAY - 1);
  return rowFor({ person: victim, device: { kind, software }, placed: { network: hostingNetwork(country, random), country }, major: currentMajor(software.browser, day), random, at, success: true, attack: 'vpn' });
}

function targeted({ victim, primary, day, random }: AttackContext): SyntheticSignIn {
  const country = victim.country;
  const kind = primary.kind;
  const browser = primary.software.browser;
  const software = { os: likeliestOs(kind, browser), browser };
  let network: Network;
  if ((kind === 'phone' || kind === 'tablet') && random.chance(0.3)) {
    const carrier = random.weighted(mobile(country), (s) => s.share);
    network = { system: carrier, city: gatewayCity(country), index: random.int(0, MOBILE_POOL - 1), version: 4 };
  } else {
    const city = random.chance(0.5) ? victim.city : random.weighted(country.cities, (c) => c.weight);
    network = residentialNetwork(country, city, random);
  }
  const localHour = 7 + random.next() * 17;
  const at = Math.round(START + day * DAY + (localHour - victim.city.tz) * 3_600_000);
  return rowFor({ person: victim, device: { kind, software }, placed: { network, country }, major: currentMajor(browser, day), random, at, success: true, attack: 'targeted' });
}

const ATTACKERS: Record<AttackKind, (context: AttackContext) => SyntheticSignIn> = { naive, vpn, targeted };

export function attackFor(kind: AttackKind, context: AttackContext): SyntheticSignIn {
  return ATTACKERS[kind](context);
}
