// Sign-ins for the risk tests: an owner with a steady pattern (home in Berlin on Deutsche
// Telekom, Firefox on a Windows desktop with a device cookie, mornings and evenings, a phone on
// a mobile carrier now and then), and helpers to vary one feature at a time.
import type { GeoInfo } from '../../server/geo/lookup.ts';
import type { UserAgentInfo } from '../../server/http/user-agent.ts';
import { record } from '../../server/risk/history.ts';
import type { RiskOptions } from '../../server/risk/options.ts';
import { addToPriorInPlace, emptyPrior } from '../../server/risk/prior.ts';
import type { GlobalPrior, RiskHistory, SignIn } from '../../server/risk/types.ts';
import { emptyHistory } from '../../server/risk/history.ts';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Monday 2 March 2026, 00:00 UTC. */
export const T0 = Date.UTC(2026, 2, 2);

export const BERLIN: GeoInfo = { country: 'DE', countryName: 'Germany', region: 'Berlin', city: 'Berlin', latitude: 52.52, longitude: 13.405, asn: 3320, asOrg: 'Deutsche Telekom AG', network: '203.0.113.0/24' };
export const BERLIN_MOBILE: GeoInfo = { ...BERLIN, asn: 29_562, asOrg: 'Mobile Carrier GmbH', network: '198.51.100.0/24' };
export const HAMBURG_OTHER_ISP: GeoInfo = { country: 'DE', countryName: 'Germany', region: 'Hamburg', city: 'Hamburg', latitude: 53.55, longitude: 9.99, asn: 3209, asOrg: 'Vodafone GmbH', network: '192.0.2.0/24' };
export const SAO_PAULO: GeoInfo = { country: 'BR', countryName: 'Brazil', region: 'São Paulo', city: 'São Paulo', latitude: -23.55, longitude: -46.63, asn: 28_573, asOrg: 'Claro S.A.', network: '200.0.0.0/24' };

export const FIREFOX_WINDOWS: UserAgentInfo = { browser: 'Firefox', browserMajor: 125, os: 'Windows', deviceType: 'desktop' };
export const SAFARI_IPHONE: UserAgentInfo = { browser: 'Safari', browserMajor: 17, os: 'iOS', deviceType: 'mobile' };

/** The owner at home, on the desktop. */
export function home(at: number, extra: Partial<SignIn> = {}): SignIn {
  return { at, ip: '203.0.113.10', geo: BERLIN, userAgent: FIREFOX_WINDOWS, deviceId: 'desk-1', ...extra };
}

/** The owner on the phone, on the mobile network (a new address each time). */
export function phone(at: number, n: number): SignIn {
  return { at, ip: `198.51.100.${10 + (n % 200)}`, geo: BERLIN_MOBILE, userAgent: SAFARI_IPHONE, deviceId: 'phone-1' };
}

/** 60 days of the owner's habits: home at 07:00 and 19:00 UTC, the phone at 12:00 every third day. */
export function ownerSignIns(days = 60, start = T0): SignIn[] {
  const out: SignIn[] = [];
  for (let d = 0; d < days; d++) {
    out.push(home(start + d * DAY + 7 * HOUR), home(start + d * DAY + 19 * HOUR));
    if (d % 3 === 0) out.push(phone(start + d * DAY + 12 * HOUR, d));
  }
  return out.sort((a, b) => a.at - b.at);
}

/** A population of accounts around the owner: other Germans and some Britons, on their own networks. */
export function populationSignIns(accounts = 40, days = 30, start = T0): SignIn[][] {
  return Array.from({ length: accounts }, (_, a) => {
    const uk = a % 4 === 0;
    const geo: GeoInfo = uk
      ? { country: 'GB', countryName: 'United Kingdom', city: 'London', latitude: 51.51, longitude: -0.13, asn: 2856, asOrg: 'British Telecommunications PLC', network: `81.2.${a}.0/24` }
      : { ...BERLIN, network: `203.0.${a}.0/24` };
    const userAgent: UserAgentInfo = a % 3 === 0 ? { browser: 'Chrome', browserMajor: 124, os: 'Windows', deviceType: 'desktop' } : FIREFOX_WINDOWS;
    return Array.from({ length: days }, (_, d) => ({ at: start + d * DAY + (8 + (a % 10)) * HOUR, ip: geo.network.replace('0/24', '7'), geo, userAgent, deviceId: `pop-${a}` }));
  });
}

/** Records sign-ins the way the server would: each successful one, with the cookie it carried. */
export function recordAll(signIns: SignIn[], history: RiskHistory = emptyHistory(), options?: RiskOptions): RiskHistory {
  let h = history;
  for (const signIn of signIns) h = record(h, signIn, { via: 'password', ...(signIn.deviceId ? { deviceId: signIn.deviceId } : {}) }, options);
  return h;
}

/** A prior over the owner and a population (the owner's history is rebuilt as it goes). */
export function priorOf(accounts: SignIn[][]): GlobalPrior {
  const prior = emptyPrior();
  const merged = accounts.flatMap((signIns, a) => signIns.map((signIn) => ({ a, signIn }))).sort((x, y) => x.signIn.at - y.signIn.at);
  const histories = accounts.map(() => emptyHistory());
  for (const { a, signIn } of merged) {
    addToPriorInPlace(prior, histories[a]!, signIn);
    histories[a] = record(histories[a]!, signIn, { via: 'password', ...(signIn.deviceId ? { deviceId: signIn.deviceId } : {}) });
  }
  return prior;
}
