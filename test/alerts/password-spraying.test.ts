// Password spraying: many logins failing from one network, each too few times for the
// per-account rule. Fires at the distinct-login threshold within the window, per /24 or /48.
import { expect } from 'chai';
import type { Alert } from '../../server/audit/events-alerts.ts';
import { resolveThresholds } from '../../server/alerts/thresholds.ts';
import { HOUR, MINUTE, T0, run, series, signinFailed } from './support/events.ts';

const spraying = (alerts: Alert[]) => alerts.filter((a) => a.rule === 'password_spraying');
const spray = (logins: number, every: number, ip: (i: number) => string, start = T0) =>
  series(logins * 2, start, every, (at, i) => {
    const n = Math.floor(i / 2); // two tries at each login: well under the per-account threshold
    return signinFailed(`person${n}@example.com`, at, n % 3 ? { account: `sub${n}`, ip: ip(i) } : { ip: ip(i) });
  });

describe('alert rule: password spraying', () => {
  const inNet = (i: number) => `203.0.113.${10 + (i % 200)}`;

  it('fires on the 10th distinct login failing from one /24 within an hour, naming the network', () => {
    expect(spraying(run(spray(9, MINUTE, inNet)).alerts)).to.deep.equal([]);
    const { alerts } = run(spray(10, MINUTE, inNet));
    expect(alerts.filter((a) => a.rule === 'failed_signins_per_account')).to.deep.equal([]);
    expect(spraying(alerts)).to.have.length(1);
    const [alert] = spraying(alerts);
    expect(alert).to.include({ severity: 'high', network: '203.0.113.0/24' }).and.not.have.any.keys('account', 'personMessage');
    expect(alert!.summary).to.include('10 or more different logins').and.include('203.0.113.0/24');
    expect(alert!.evidence).to.include({ distinctLogins: 10, existingAccounts: 6 });
  });

  it('counts a login once however often it fails', () => {
    const same = series(40, T0, MINUTE, (at, i) => signinFailed(`person${i % 9}@example.com`, at, { ip: inNet(i) }));
    expect(spraying(run(same).alerts)).to.deep.equal([]);
  });

  it('does not add up two different /24s', () => {
    // 18 logins, nine from each network.
    const split = spray(18, MINUTE, (i) => (Math.floor(i / 2) % 2 ? `203.0.113.${i}` : `198.51.100.${i}`));
    expect(spraying(run(split).alerts)).to.deep.equal([]);
  });

  it('counts only logins whose latest failure is within the window', () => {
    // Ten logins, one try each, the first exactly an hour before the tenth: only nine count.
    const tries = (gap: number) => series(10, T0, gap, (at, i) => signinFailed(`p${i}@example.com`, at, { ip: inNet(i) }));
    expect(spraying(run(tries(HOUR / 9)).alerts)).to.deep.equal([]);
    expect(spraying(run(tries(HOUR / 9 - 1)).alerts)).to.have.length(1);
  });

  it('counts IPv6 by /48: addresses in different /64s of one site count together', () => {
    const v6 = spray(10, MINUTE, (i) => `2001:db8:abcd:${(i + 1).toString(16)}::${(i + 7).toString(16)}`);
    const { alerts } = run(v6);
    expect(spraying(alerts)).to.have.length(1);
    expect(spraying(alerts)[0]).to.include({ network: '2001:db8:abcd::/48' });
  });

  it('fires once per cool-down for one network', () => {
    const { alerts } = run(spray(60, MINUTE / 2, inNet));
    expect(spraying(alerts)).to.have.length(1);
  });

  it('respects a configured prefix and count', () => {
    const thresholds = resolveThresholds({ passwordSpraying: { distinctAccounts: 3, ipv4PrefixBits: 16 } });
    const { alerts } = run(spray(3, MINUTE, (i) => `198.51.${i}.1`), thresholds);
    expect(spraying(alerts)).to.have.length(1);
    expect(spraying(alerts)[0]).to.include({ network: '198.51.0.0/16' });
  });
});
