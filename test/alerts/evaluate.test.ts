// evaluate as a whole: deterministic (JSON in gives the same as objects in), alerts that the
// catalogue accepts, and a state that stays within its bounds however hard it is flooded.
import { expect } from 'chai';
import { parseAuditEvent, type AuditEvent } from '../../server/audit/catalogue.ts';
import { alertRaisedEvent, alertSchema } from '../../server/audit/events-alerts.ts';
import { evaluate } from '../../server/alerts/evaluate.ts';
import { emptyState, type AlertState } from '../../server/alerts/state.ts';
import { DEFAULT_THRESHOLDS, resolveThresholds } from '../../server/alerts/thresholds.ts';
import { SAMPLES } from '../audit/samples.ts';
import { DAY, HOUR, MINUTE, PLACES, T0, adminCall, keyRevoked, refreshReuse, run, series, signinFailed, signinSucceeded } from './support/events.ts';

/** A little of every attack, so every rule fires. */
const attacks: AuditEvent[] = [
  ...[PLACES.berlin, PLACES.berlin, PLACES.munich].map((p, i) => signinSucceeded('ada', T0 + i * DAY, p)),
  signinSucceeded('ada', T0 + 2 * DAY + HOUR, PLACES.tokyo),
  ...series(12, T0 + 3 * DAY, 10_000, (at) => signinFailed('ada@example.com', at, { account: 'ada' })),
  ...series(30, T0 + 3 * DAY, 5000, (at, i) => signinFailed(`p${i}@example.com`, at, { ip: '203.0.113.7' })),
  refreshReuse('ada', T0 + 4 * DAY),
  keyRevoked('ES256-1', T0 + 4 * DAY),
  adminCall(T0 + 5 * DAY + 22 * HOUR),
].sort((a, b) => a.at - b.at);

describe('alert evaluation', () => {
  it('raises every rule on a mixed attack, each alert valid, and valid as an alert.raised event', () => {
    const { alerts } = run(attacks);
    expect(new Set(alerts.map((a) => a.rule))).to.deep.equal(
      new Set(['new_country', 'impossible_travel', 'failed_signins_per_account', 'failed_signins_per_ip', 'password_spraying', 'refresh_token_reuse', 'signing_key_revoked', 'admin_off_hours']),
    );
    for (const alert of alerts) {
      expect(alertSchema.safeParse(alert).success, alert.rule).to.equal(true);
      expect(parseAuditEvent(alertRaisedEvent(alert)), alert.rule).to.include({ ok: true });
    }
  });

  it('updates the state it is given in place, and returns it', () => {
    const state = emptyState();
    for (const event of attacks) expect(evaluate(state, event, event.at, DEFAULT_THRESHOLDS).state).to.equal(state);
    expect(Object.keys(state.accounts)).to.deep.equal(['ada']);
  });

  it('keeps map entries in write order, so that the first is the least recently written', () => {
    const { state } = run(['a', 'b', 'c', 'a'].map((sub, i) => signinSucceeded(sub, T0 + i * MINUTE, PLACES.berlin)));
    expect(Object.keys(state.accounts)).to.deep.equal(['b', 'c', 'a']);
    const few = resolveThresholds({ limits: { accounts: 10 } });
    const { state: full } = run(series(11, T0, MINUTE, (at, i) => signinSucceeded(`s${i}`, at, PLACES.berlin)), few);
    expect(Object.keys(full.accounts)).to.deep.equal(['s2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10']);
  });

  it('gives the same answer from a state that went through JSON (as it will through Redis)', () => {
    let objects = emptyState();
    let json = emptyState();
    for (const event of attacks) {
      const a = evaluate(objects, event, event.at, DEFAULT_THRESHOLDS);
      const b = evaluate(JSON.parse(JSON.stringify(json)) as AlertState, event, event.at, DEFAULT_THRESHOLDS);
      expect(b.alerts).to.deep.equal(a.alerts);
      expect(b.state).to.deep.equal(a.state);
      objects = a.state;
      json = b.state;
    }
  });

  it('is the same function of the same inputs', () => {
    expect(run(attacks)).to.deep.equal(run(attacks));
  });

  it('leaves the state as it was for events no rule reads', () => {
    const state = run(attacks).state;
    const before = JSON.stringify(state);
    const now = state.sweptAt + 1; // no sweep due
    for (const type of ['token.issued', 'token.introspected', 'consent.granted', 'user.created', 'alert.raised'] as const) {
      expect(evaluate(state, { ...SAMPLES[type], at: now }, now, DEFAULT_THRESHOLDS).alerts, type).to.deep.equal([]);
    }
    expect(JSON.stringify(state)).to.equal(before);
  });

  it('sweeps out what has expired: failure windows, cool-downs, forgotten accounts', () => {
    const { state } = run(attacks);
    expect(Object.keys(state.ips).length + Object.keys(state.cooldowns).length).to.be.above(0);
    const quiet = T0 + 5 * DAY + 23 * HOUR;
    const swept = evaluate(structuredClone(state), SAMPLES['token.issued'], quiet, DEFAULT_THRESHOLDS).state;
    expect(swept).to.deep.include({ ips: {}, logins: {}, networks: {}, cooldowns: {}, sweptAt: quiet });
    expect(swept.accounts.ada!.failures).to.deep.equal([]);
    expect(swept.accounts.ada!.countries).to.deep.equal(['DE', 'JP']);
    const forgotten = evaluate(structuredClone(state), SAMPLES['token.issued'], T0 + 100 * DAY, DEFAULT_THRESHOLDS).state;
    expect(forgotten.accounts).to.deep.equal({});
  });

  describe('bounds', () => {
    const limits = { accounts: 50, logins: 60, ips: 70, networks: 40, cooldowns: 80, countriesPerAccount: 4 };
    const thresholds = resolveThresholds({ limits, passwordSpraying: { distinctAccounts: 5 } });
    const countries = ['DE', 'FR', 'JP', 'BR', 'US', 'AU', 'IN', 'ZA', 'CA', 'MX'];
    const flood: AuditEvent[] = [];
    for (let i = 0; i < 3000; i++) {
      const at = T0 + i * 1000;
      const ip = `10.${(i >> 8) & 255}.${i & 255}.${i % 7}`;
      flood.push(signinFailed(`nobody${i}@example.com`, at, { ip }));
      flood.push(signinFailed(`a${i % 400}@example.com`, at, { account: `acct${i % 400}`, ip }));
      flood.push(signinSucceeded(`acct${i % 400}`, at, { country: countries[i % countries.length]!, latitude: (i % 160) - 80, longitude: (i % 300) - 150 }, { ip }));
    }

    it('keeps every map within its limit and every entry within its own, however many subjects', () => {
      const { state } = run(flood, thresholds);
      expect(Object.keys(state.accounts).length).to.be.at.most(limits.accounts);
      expect(Object.keys(state.logins).length).to.be.at.most(limits.logins);
      expect(Object.keys(state.ips).length).to.be.at.most(limits.ips);
      expect(Object.keys(state.networks).length).to.be.at.most(limits.networks);
      expect(Object.keys(state.cooldowns).length).to.be.at.most(limits.cooldowns);
      for (const entry of Object.values(state.accounts)) {
        expect(entry.failures.length).to.be.at.most(thresholds.failedSignInsPerAccount.count);
        expect(entry.countries.length).to.be.at.most(limits.countriesPerAccount);
      }
      for (const entry of Object.values(state.ips)) expect(entry.failures.length).to.be.at.most(thresholds.failedSignInsPerIp.count);
      for (const entry of Object.values(state.networks)) expect(Object.keys(entry.accounts).length).to.be.at.most(5);
    });

    it('serialises to a size set by the limits, not by the traffic', () => {
      const size = (events: AuditEvent[]) => JSON.stringify(run(events, thresholds).state).length;
      const full = size(flood);
      // The per-entry sizes state.ts documents, times these limits.
      expect(full).to.be.at.most(50 * 400 + 60 * 200 + 70 * 410 + 40 * 460 + 80 * 90);
      expect(size(flood.slice(0, flood.length / 2))).to.be.closeTo(full, full * 0.1);
    });

    it('stays fast with every map full at the default limits: no work proportional to the state per event', () => {
      const many = series(30_000, T0, 10, (at, i) => signinFailed(`x${i}@example.com`, at, { account: `acct${i}`, ip: `10.${(i >> 8) & 255}.${i & 255}.${i >> 16}` }));
      const started = performance.now();
      const { state } = run(many);
      expect(Object.keys(state.accounts).length).to.be.within(9000, 10_000);
      expect(performance.now() - started).to.be.below(5000); // ~0.5 s; copying the maps per event took minutes
    });

    it('keeps real accounts’ baselines when unknown logins flood in', () => {
      const few = resolveThresholds({ limits: { accounts: 10, logins: 10 } });
      const baseline = [0, 1, 2].map((d) => signinSucceeded('ada', T0 + d * DAY, PLACES.berlin));
      const junk = series(500, T0 + 3 * DAY, 1000, (at, i) => signinFailed(`junk${i}@example.com`, at, { ip: `198.51.100.${i % 250}` }));
      const { state, alerts } = run([...baseline, ...junk, signinSucceeded('ada', T0 + 4 * DAY, PLACES.tokyo)], few);
      expect(state.accounts.ada).to.not.equal(undefined);
      expect(alerts.filter((a) => a.rule === 'new_country')).to.have.length(1);
    });
  });

  it('applies the cool-down by the clock, not by event time', () => {
    const reuse = [refreshReuse('ada', T0), refreshReuse('ada', T0 + 20 * MINUTE)];
    expect(run(reuse, undefined, undefined, () => T0).alerts).to.have.length(1);
    expect(run(reuse).alerts).to.have.length(2);
  });
});
