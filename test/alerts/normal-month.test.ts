// A generated month of ordinary traffic (test/alerts/support/normal-month.ts): the rules stay
// quiet over it at their defaults, though it comes within reach of every one of them, the state
// stays small, and an attack slipped into the month is found, and nothing else.
import { expect } from 'chai';
import { parseAuditEvent, type AuditEvent } from '../../server/audit/catalogue.ts';
import type { Alert } from '../../server/audit/events-alerts.ts';
import { findSecrets } from '../../server/audit/secret-scan.ts';
import { resolveThresholds, type ThresholdOverrides } from '../../server/alerts/thresholds.ts';
import { DAY, HOUR, MINUTE, PLACES, adminCall, hashId, refreshReuse, run, series, signinFailed, signinSucceeded } from './support/events.ts';
import { MONTH_START, normalMonth, type Month } from './support/normal-month.ts';

// The operators of the generated month work in Berlin.
const overrides: ThresholdOverrides = { adminOffHours: { timeZone: 'Europe/Berlin' } };
const thresholds = resolveThresholds(overrides);
const describeAlerts = (alerts: Alert[]) => alerts.slice(0, 5).map((a) => `${a.rule}: ${a.summary}`).join('\n');

describe('a generated month of normal traffic', function () {
  this.timeout(60_000);
  let month: Month;
  before(() => {
    month = normalMonth({ seed: 1 });
  });

  it('is a month of 200 people: sign-ins, typos, tokens, trips, commuters, IPv6, admins', () => {
    const { stats, events, people } = month;
    expect(people).to.have.length(200);
    expect(events[0]!.at).to.be.at.least(MONTH_START - DAY); // local mornings east of UTC
    expect(events.at(-1)!.at).to.be.below(MONTH_START + 31 * DAY);
    expect(stats.signIns).to.be.above(5000);
    expect(stats.failedSignIns).to.be.above(200);
    expect(stats.trips).to.be.above(10);
    expect(stats.commuters).to.be.above(5);
    expect(stats.ipv6People).to.be.above(30);
    expect(stats.adminCalls).to.be.above(20);
    const types = new Set(events.map((e) => e.type));
    for (const type of ['token.issued', 'token.refreshed', 'token.introspected', 'consent.granted', 'session.ended', 'key.promoted', 'user.created']) {
      expect(types, type).to.include(type);
    }
  });

  it('is made of events the catalogue accepts', () => {
    const invalid = month.events.map(parseAuditEvent).filter((result) => !result.ok);
    expect(invalid).to.deep.equal([]);
  });

  it('holds none of the secrets it made: no password, email, token, session or grant id', () => {
    expect(month.secrets.length).to.be.above(30_000);
    expect(findSecrets(month.events, month.secrets)).to.deep.equal([]);
    // The scan is not blind: one raw token id slipped into an event is found.
    const leaked = [...month.events.slice(0, 100), { ...month.events[100]!, requestId: month.secrets.at(-1)! }];
    expect(findSecrets(leaked, month.secrets)).to.have.length(1);
  });

  it('is the same month for the same seed, and another for another', () => {
    const small = (seed: number) => JSON.stringify(normalMonth({ seed, people: 20, days: 7 }).events);
    expect(small(5)).to.equal(small(5));
    expect(small(5)).to.not.equal(small(6));
  });

  for (const seed of [1, 2, 3]) {
    it(`raises no alert at the default thresholds (seed ${seed})`, () => {
      const { alerts } = run(seed === 1 ? month.events : normalMonth({ seed }).events, thresholds);
      expect(alerts, describeAlerts(alerts)).to.deep.equal([]);
    });
  }

  it('comes within reach of every rule it can: tighter thresholds make each fire', () => {
    const tight: Record<string, ThresholdOverrides> = {
      failed_signins_per_account: { failedSignInsPerAccount: { count: 3 } },
      failed_signins_per_ip: { failedSignInsPerIp: { count: 3 } },
      password_spraying: { passwordSpraying: { distinctAccounts: 3 } },
      new_country: { newCountry: { learningSignIns: 1 } },
      impossible_travel: { impossibleTravel: { maxSpeedKmh: 150 } },
      admin_off_hours: { adminOffHours: { timeZone: 'Europe/Berlin', start: '10:00', end: '16:00' } },
    };
    for (const [rule, override] of Object.entries(tight)) {
      const { alerts } = run(month.events, resolveThresholds({ ...overrides, ...override }));
      expect(alerts.map((a) => a.rule), rule).to.include(rule);
    }
  });

  it('keeps a small state that stops growing once everyone has been seen', () => {
    const half = month.events.findIndex((e) => e.at >= MONTH_START + 15 * DAY);
    const mid = run(month.events.slice(0, half), thresholds).state;
    const end = run(month.events, thresholds).state;
    const size = (state: object) => JSON.stringify(state).length;
    expect(size(end)).to.be.below(100_000);
    expect(size(end)).to.be.below(size(mid) * 1.25);
    expect(Object.keys(end.accounts).length).to.be.at.most(200);
    expect(Object.keys(end.cooldowns)).to.deep.equal([]);
  });

  it('finds an attack slipped into the month, and nothing else', () => {
    const berliner = month.people.find((p) => p.home.name === 'Berlin' && !p.trip)!;
    const victim = month.people.find((p) => p !== berliner && p.home.country === 'DE' && !p.trip)!;
    const night = MONTH_START + 10 * DAY + 2 * HOUR;
    const lastSignIn = (sub: string, before: number) =>
      month.events.filter((e) => e.type === 'signin.succeeded' && e.account === sub && e.at < before).at(-1)!.at;
    const attack: AuditEvent[] = [
      // Password spraying from one /24: 30 people's emails, two guesses each.
      ...series(60, night, 20_000, (at, i) => {
        const person = month.people[(i >> 1) * 3]!;
        return signinFailed(person.email, at, { account: person.sub, loginHash: hashId('login', person.email), ip: `185.220.101.${(i % 50) + 1}` });
      }),
      // The Berliner's password works from São Paulo, two hours after they signed in at home.
      signinSucceeded(berliner.sub, lastSignIn(berliner.sub, MONTH_START + 12 * DAY) + 2 * HOUR, PLACES.saoPaulo, { ip: '177.54.144.9' }),
      // A stolen refresh token of the victim's is replayed.
      refreshReuse(victim.sub, MONTH_START + 20 * DAY + 15 * HOUR),
      // An admin call on a Sunday night.
      adminCall(MONTH_START + 27 * DAY + 2 * HOUR + 30 * MINUTE, { method: 'POST', path: '/admin/clients', status: 201 }),
    ];
    const { alerts } = run([...month.events, ...attack].sort((a, b) => a.at - b.at), thresholds);
    // Spread over 50 addresses and two guesses a login, the spraying stays under the per-address
    // and per-account thresholds: only the per-network count sees it.
    expect(alerts.map((a) => [a.rule, a.account ?? a.network ?? null])).to.have.deep.members([
      ['password_spraying', '185.220.101.0/24'],
      ['new_country', berliner.sub],
      ['impossible_travel', berliner.sub],
      ['refresh_token_reuse', victim.sub],
      ['admin_off_hours', null],
    ]);
  });
});
