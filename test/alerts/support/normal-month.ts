// A month of ordinary traffic, seeded: people with homes, workplaces and a few devices sign in
// at the hours people do, mistype a password now and then, refresh tokens while they work, and
// now and then fly to another city of their country and back; a few live on one side of a
// border and work on the other. Admins work office hours, keys rotate weekly. Nothing here is
// an attack: the alert rules should stay quiet over all of it.
//
// Deliberately not in it (each would alert, and should): a first trip abroad, a VPN exit in
// another country, several tabs of an SPA refreshing at once with the reuse grace off.
import type { AuditEvent } from '../../../server/audit/catalogue.ts';
import { createIdHasher } from '../../../server/audit/ids.ts';
import { distanceKm } from '../../../server/alerts/geo.ts';
import { random, type Random } from './random.ts';
import {
  CITIES, COMMUTES, USER_AGENTS, cityNamed, homeAddress, hotelAddress, mobileAddress, officeAddress, placeIn, type City, type DeviceKind,
} from './world.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Monday 2 March 2026, 00:00 UTC. */
export const MONTH_START = Date.UTC(2026, 2, 2);

export interface Trip {
  to: City;
  /** UTC: leaving home, landing, leaving the destination, landing back home. */
  leave: number;
  land: number;
  leaveBack: number;
  landBack: number;
}

export interface Person {
  sub: string;
  email: string;
  password: string;
  home: City;
  work?: { city: City; office: number };
  devices: { kind: DeviceKind; userAgent: string }[];
  ipv6: boolean;
  isp: number;
  homeHost: number;
  /** The day the home router gets a new address, if it does this month. */
  newAddressOn?: number;
  trip?: Trip;
}

export interface Month {
  events: AuditEvent[];
  /** Every secret the month made (passwords as typed, raw token, session and grant ids, emails). */
  secrets: string[];
  people: Person[];
  stats: { signIns: number; failedSignIns: number; trips: number; commuters: number; ipv6People: number; adminCalls: number };
}

const CLIENT_OF: Record<DeviceKind, readonly string[]> = { laptop: ['webapp', 'my-spa'], phone: ['mobile-app'], tablet: ['my-spa'] };
const ROTATING = new Set(['my-spa', 'mobile-app']);

function makePeople(rng: Random, count: number): Person[] {
  const offices = new Map<string, number[]>();
  const officeIn = (c: City) => {
    if (!offices.has(c.name)) offices.set(c.name, Array.from({ length: rng.int(1, 2) }, () => offices.size * 2 + rng.int(0, 1) + offices.size));
    return rng.pick(offices.get(c.name)!);
  };
  const homes = CITIES.filter((c) => !COMMUTES.some(([home, work]) => c.name === home || c.name === work));
  return Array.from({ length: count }, (_, i): Person => {
    const commute = i % 16 === 0 ? COMMUTES[(i / 16) % COMMUTES.length]! : undefined;
    const home = commute ? cityNamed(commute[0]) : rng.pick(homes);
    const workCity = commute ? cityNamed(commute[1]) : home;
    const devices = [{ kind: 'laptop' as const }, ...(rng.chance(0.85) ? [{ kind: 'phone' as const }] : []), ...(rng.chance(0.2) ? [{ kind: 'tablet' as const }] : [])];
    return {
      sub: rng.id(16),
      email: `person${i}@example.com`,
      password: `pw-${rng.id(12)}`,
      home,
      work: commute || rng.chance(0.7) ? { city: workCity, office: officeIn(workCity) } : undefined,
      devices: devices.map((d) => ({ ...d, userAgent: rng.pick(USER_AGENTS[d.kind]) })),
      ipv6: rng.chance(0.3),
      isp: rng.int(0, 3),
      homeHost: rng.int(1, 65_000),
      newAddressOn: rng.chance(0.2) ? rng.int(5, 25) : undefined,
    };
  });
}

/** A domestic trip by plane, for people whose country has another city. */
function planTrip(rng: Random, person: Person, days: number): Trip | undefined {
  const elsewhere = CITIES.filter((c) => c.country === person.home.country && c.name !== person.home.name);
  const commuter = person.work !== undefined && person.work.city !== person.home;
  if (!elsewhere.length || commuter || !rng.chance(0.15)) return undefined;
  const to = rng.pick(elsewhere);
  const day = rng.int(3, days - 6);
  const nights = rng.int(2, 4);
  const flight = (distanceKm(person.home, to) / 800) * HOUR + HOUR; // cruise plus taxiing
  const leave = MONTH_START + day * DAY + (rng.int(7, 12) - person.home.utcOffset) * HOUR;
  const leaveBack = MONTH_START + (day + nights) * DAY + (rng.int(14, 18) - person.home.utcOffset) * HOUR;
  return { to, leave, land: leave + flight, leaveBack, landBack: leaveBack + flight };
}

/** Where the person is at `at`: at home (city), on a trip (city), or in transit (no sign-ins). */
function whereabouts(person: Person, at: number): { city: City; away: boolean } | undefined {
  const trip = person.trip;
  if (!trip || at < trip.leave - HOUR || at >= trip.landBack + HOUR) return { city: person.home, away: false };
  if (at >= trip.land + HOUR && at < trip.leaveBack - 2 * HOUR) return { city: trip.to, away: true };
  return undefined;
}

type Spot = 'office' | 'home' | 'mobile';
interface Occasion {
  at: number;
  spot: Spot;
  device: Person['devices'][number];
}

/** The day's sign-ins: work mornings, some evenings, some weekends; the first day, one of each. */
function occasions(rng: Random, person: Person, day: number): Occasion[] {
  const local = (hour: number) => MONTH_START + day * DAY + (hour - person.home.utcOffset) * HOUR + rng.int(0, 59) * MINUTE;
  const laptop = person.devices[0]!;
  const other = () => rng.pick(person.devices);
  const weekday = new Date(MONTH_START + day * DAY).getUTCDay();
  const workday = weekday >= 1 && weekday <= 5;
  const out: Occasion[] = [];
  if (day === 0) {
    out.push({ at: local(9), spot: person.work ? 'office' : 'home', device: laptop });
    out.push({ at: local(20), spot: 'home', device: other() });
    return out;
  }
  if (workday && rng.chance(0.85)) {
    out.push({ at: local(rng.int(8, 10)), spot: person.work && rng.chance(0.8) ? 'office' : 'home', device: laptop });
    if (rng.chance(0.25)) out.push({ at: local(rng.int(13, 16)), spot: out[0]!.spot, device: laptop });
  }
  if (rng.chance(workday ? 0.35 : 0.45)) out.push({ at: local(rng.int(18, 22)), spot: 'home', device: other() });
  if (!workday && rng.chance(0.15)) out.push({ at: local(rng.int(11, 17)), spot: 'mobile', device: person.devices.find((d) => d.kind === 'phone') ?? laptop });
  return out;
}

export function normalMonth({ seed = 1, people: count = 200, days = 30 } = {}): Month {
  const rng = random(seed);
  const hash = createIdHasher(Buffer.alloc(32, seed & 255));
  const events: AuditEvent[] = [];
  const secrets: string[] = [];
  const stats = { signIns: 0, failedSignIns: 0, trips: 0, commuters: 0, ipv6People: 0, adminCalls: 0 };
  const people = makePeople(rng, count);
  for (const person of people) {
    person.trip = planTrip(rng, person, days);
    secrets.push(person.password, person.email);
    if (person.trip) stats.trips++;
    if (person.work && person.work.city.country !== person.home.country) stats.commuters++;
    if (person.ipv6) stats.ipv6People++;
  }
  const secret = (bytes: number) => {
    const id = rng.id(bytes);
    secrets.push(id);
    return id;
  };

  for (const [index, person] of people.entries()) {
    const grants = new Map<string, string>();
    const hotel = person.trip ? hotelAddress(person.trip.to, rng.int(0, 255), rng.int(1, 254)) : '';
    for (let day = 0; day < days; day++) {
      for (const { at, spot, device } of occasions(rng, person, day)) {
        const where = whereabouts(person, at);
        if (!where) continue;
        const host = person.newAddressOn !== undefined && day >= person.newAddressOn ? person.homeHost ^ 0x5a5 : person.homeHost;
        const ip = where.away
          ? spot === 'mobile' ? mobileAddress(where.city, rng.int(0, 255), rng.int(0, 255), rng.int(1, 254)) : hotel
          : spot === 'office' ? officeAddress(person.work!.office)
          : spot === 'mobile' ? mobileAddress(where.city, rng.int(0, 255), rng.int(0, 255), rng.int(1, 254))
          : homeAddress(person.home, index, person.isp, host, person.ipv6);
        const city = !where.away && spot === 'office' ? person.work!.city : where.city;
        const seen = { ip, userAgent: device.userAgent, place: placeIn(city, rng.next) };
        const client = rng.pick(CLIENT_OF[device.kind]);

        // Typos: a wrong password once or twice, rarely a forgotten one, now and then a mistyped email.
        const typos = rng.chance(0.05) ? 1 : rng.chance(0.012) ? 2 : rng.chance(0.004) ? rng.int(3, 6) : 0;
        for (let t = typos; t > 0; t--) {
          secrets.push(`${person.password.slice(0, -1)}${t}`);
          events.push({ type: 'signin.failed', version: 1, at: at - t * rng.int(15, 45) * 1000, actor: { kind: 'anonymous' }, ...seen, account: person.sub, loginHash: hash('login', person.email), client, reason: 'wrong_password', personSees: 'incorrect_email_or_password' });
        }
        if (rng.chance(0.004)) {
          const typed = person.email.replace('@', '@@');
          events.push({ type: 'signin.failed', version: 1, at: at - 90_000, actor: { kind: 'anonymous' }, ...seen, loginHash: hash('login', typed), client, reason: 'unknown_account', personSees: 'incorrect_email_or_password' });
          stats.failedSignIns++;
        }
        stats.failedSignIns += typos;
        stats.signIns++;

        const sid = secret(16);
        const actor = { kind: 'account' as const, sub: person.sub };
        events.push({ type: 'signin.succeeded', version: 1, at, actor, ...seen, account: person.sub, client, sessionIdHash: hash('session', sid), amr: ['pwd'] });
        events.push({ type: 'session.started', version: 1, at, actor, ...seen, account: person.sub, sessionIdHash: hash('session', sid), client });
        if (!grants.has(client)) {
          grants.set(client, secret(16));
          events.push({ type: 'consent.granted', version: 1, at: at + 2000, actor, ...seen, account: person.sub, client, scopes: ['openid', 'email', 'profile', 'offline_access'], grantIdHash: hash('grant', grants.get(client)!) });
        }
        const grantIdHash = hash('grant', grants.get(client)!);
        const byClient = { kind: 'client' as const, clientId: client };
        const issue = (when: number, tokenKind: 'access_token' | 'refresh_token', grantType: string) => {
          const id = secret(32);
          events.push({ type: 'token.issued', version: 1, at: when, actor: byClient, ...seen, account: person.sub, client, grantType, tokenKind, format: 'opaque', scopes: ['openid', 'email'], tokenIdHash: hash('token', id), grantIdHash, expiresAt: when + (tokenKind === 'access_token' ? HOUR : 14 * DAY) });
          if (tokenKind === 'access_token' && rng.chance(0.3)) {
            events.push({ type: 'token.introspected', version: 1, at: when + rng.int(1, 600) * 1000, actor: { kind: 'client', clientId: 'api' }, tokenClient: client, account: person.sub, tokenKind, tokenIdHash: hash('token', id), active: true });
          }
          return id;
        };
        issue(at + 3000, 'access_token', 'authorization_code');
        let refresh = ROTATING.has(client) ? issue(at + 3000, 'refresh_token', 'authorization_code') : undefined;
        let last = at;
        for (let r = refresh ? rng.int(0, 5) : 0; r > 0; r--) {
          last += rng.int(55, 65) * MINUTE;
          const next = secret(32);
          events.push({ type: 'token.refreshed', version: 1, at: last, actor: byClient, ...seen, account: person.sub, client, previousTokenIdHash: hash('token', refresh!), tokenIdHash: hash('token', next), grantIdHash, scopes: ['openid', 'email'], replayed: false });
          issue(last, 'access_token', 'refresh_token');
          refresh = next;
        }
        if (rng.chance(0.2)) events.push({ type: 'session.ended', version: 1, at: last + 10 * MINUTE, actor, ...seen, account: person.sub, sessionIdHash: hash('session', sid), cause: 'logout' });
      }
    }
  }

  // Operators: admin calls in office hours in Berlin (UTC+1), a monitor with a stale token at
  // night (refused, so no admin action), and the weekly key rotation on Mondays at 03:00 UTC.
  const admin = { kind: 'admin' as const, id: 'admin-token' };
  const calls = [
    ['GET', '/admin/users', 200],
    ['GET', '/admin/clients', 200],
    ['GET', '/admin/keys', 200],
    ['POST', '/admin/users', 201],
    ['POST', '/admin/users/password', 200],
  ] as const;
  for (let day = 0; day < days; day++) {
    const start = MONTH_START + day * DAY;
    const weekday = new Date(start).getUTCDay();
    if (weekday >= 1 && weekday <= 5) {
      for (let n = rng.int(0, 4); n > 0; n--) {
        const at = start + rng.int(8 * 60, 16 * 60 + 29) * MINUTE; // 09:00–17:29 in Berlin
        const [method, path, status] = rng.pick(calls);
        events.push({ type: 'admin.api_called', version: 1, at, ip: '192.0.2.10', actor: admin, method, path, status });
        stats.adminCalls++;
        const someone = rng.pick(people).sub;
        if (path === '/admin/users' && method === 'POST') events.push({ type: 'user.created', version: 1, at, actor: admin, account: rng.id(16) });
        if (path === '/admin/users/password') events.push({ type: 'user.password_changed', version: 1, at, actor: admin, account: someone });
      }
    }
    if (day % 7 === 3) events.push({ type: 'admin.api_called', version: 1, at: start + 3 * HOUR, ip: '192.0.2.99', actor: { kind: 'anonymous' }, method: 'GET', path: '/admin/keys', status: 401 });
    if (weekday === 1) {
      const week = Math.floor(day / 7);
      for (const alg of ['ES256', 'RS256']) {
        const system = { kind: 'system' as const, component: 'key-rotation' };
        events.push({ type: 'key.retired', version: 1, at: start + 3 * HOUR, actor: system, kid: `${alg}-${week}`, alg });
        events.push({ type: 'key.promoted', version: 1, at: start + 3 * HOUR, actor: system, kid: `${alg}-${week + 1}`, alg, emergency: false });
        events.push({ type: 'key.staged', version: 1, at: start + 3 * HOUR, actor: system, kid: `${alg}-${week + 2}`, alg });
      }
    }
  }

  events.sort((a, b) => a.at - b.at);
  return { events, secrets, people, stats };
}
