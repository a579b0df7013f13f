// Bursts of failed sign-ins per login and per address: fire at the threshold within the sliding
// window and not a failure sooner; one alert per cool-down.
import { expect } from 'chai';
import type { Alert } from '../../server/audit/events-alerts.ts';
import { resolveThresholds } from '../../server/alerts/thresholds.ts';
import { HOUR, MINUTE, T0, hashId, run, series, signinFailed } from './support/events.ts';

const perAccount = (alerts: Alert[]) => alerts.filter((a) => a.rule === 'failed_signins_per_account');
const perIp = (alerts: Alert[]) => alerts.filter((a) => a.rule === 'failed_signins_per_ip');

describe('alert rule: failed sign-ins per account', () => {
  const guess = (at: number) => signinFailed('ada@example.com', at, { account: 'ada' });

  it('fires on the 10th failure within 15 minutes, naming the account and telling the person', () => {
    const nine = run(series(9, T0, MINUTE, guess));
    expect(perAccount(nine.alerts)).to.deep.equal([]);
    const ten = run(series(10, T0, MINUTE, guess));
    expect(perAccount(ten.alerts)).to.have.length(1);
    const [alert] = perAccount(ten.alerts);
    expect(alert).to.include({ rule: 'failed_signins_per_account', severity: 'medium', account: 'ada', at: T0 + 9 * MINUTE });
    expect(alert!.summary).to.include('account ada').and.include('15 minutes');
    expect(alert!.personMessage).to.include('10 times in 15 minutes');
    expect(alert!.evidence).to.include({ failures: 10, firstAt: T0, lastReason: 'wrong_password' });
  });

  it('tells the person of passkeys not accepted when the latest failures were a passkey\'s', () => {
    const passkey = (at: number) => signinFailed('ada@example.com', at, { account: 'ada', reason: 'passkey_rejected', via: 'passkey', passkeyFailure: 'bad_signature' });
    const [alert] = perAccount(run(series(10, T0, MINUTE, passkey)).alerts);
    expect(alert!.personMessage).to.include('with the wrong password or a passkey that was not accepted. Nobody got in this way.');
    expect(perAccount(run(series(10, T0, MINUTE, guess)).alerts)[0]!.personMessage).to.not.include('passkey');
  });

  it('counts only failures within the window: one exactly a window old has left it', () => {
    // Ten failures, the first at T0 and the tenth exactly 15 minutes later: only nine in the window.
    const tenth = (at: number) => [guess(T0), ...series(8, T0 + MINUTE, MINUTE, guess), guess(at)];
    expect(perAccount(run(tenth(T0 + 15 * MINUTE)).alerts)).to.deep.equal([]);
    expect(perAccount(run(tenth(T0 + 15 * MINUTE - 1)).alerts)).to.have.length(1);
  });

  it('keys a login with no account by its hash, with no person to tell', () => {
    const { alerts } = run(series(10, T0, MINUTE, (at) => signinFailed('nobody@example.com', at)));
    expect(perAccount(alerts)).to.have.length(1);
    expect(perAccount(alerts)[0]).to.not.have.any.keys('account', 'personMessage');
    expect(perAccount(alerts)[0]!.summary).to.include('no such account');
    expect(perAccount(alerts)[0]!.evidence).to.include({ loginHash: hashId('login', 'nobody@example.com') });
  });

  it('does not add up failures at different logins', () => {
    const { alerts } = run(series(18, T0, MINUTE / 2, (at, i) => signinFailed(`user${i % 2}@example.com`, at, { account: `u${i % 2}` })));
    expect(perAccount(alerts)).to.have.length(0);
  });

  it('fires once per cool-down while the attack goes on, and again once it has run out', () => {
    const attack = series(200, T0, 20_000, guess); // 3 a minute for 66 minutes
    const { alerts } = run(attack);
    expect(perAccount(alerts).map((a) => a.at)).to.deep.equal([T0 + 9 * 20_000, T0 + 9 * 20_000 + HOUR]);
  });

  it('fires again exactly a cool-down later, not a moment sooner', () => {
    const first = T0 + 9 * MINUTE;
    const attack = [...series(70, T0, MINUTE, guess), guess(first + HOUR - 1)].sort((a, b) => a.at - b.at);
    expect(perAccount(run(attack).alerts).map((a) => a.at)).to.deep.equal([first, first + HOUR]);
  });

  it('respects configured thresholds', () => {
    const thresholds = resolveThresholds({ failedSignInsPerAccount: { count: 3, windowMs: 2 * MINUTE } });
    expect(perAccount(run(series(3, T0, MINUTE - 1, guess), thresholds).alerts)).to.have.length(1);
    expect(perAccount(run(series(3, T0, MINUTE, guess), thresholds).alerts)).to.have.length(0);
    expect(perAccount(run(series(2, T0, 1, guess), thresholds).alerts)).to.have.length(0);
  });
});

describe('alert rule: failed sign-ins per address', () => {
  const from = (ip: string) => (at: number, i: number) => signinFailed(`user${i}@example.com`, at, { ip });

  it('fires on the 25th failure from one address within 10 minutes, whatever logins it tries', () => {
    expect(perIp(run(series(24, T0, 20_000, from('203.0.113.7'))).alerts)).to.deep.equal([]);
    const { alerts } = run(series(25, T0, 20_000, from('203.0.113.7')));
    expect(perIp(alerts)).to.have.length(1);
    expect(perIp(alerts)[0]).to.include({ ip: '203.0.113.7', severity: 'medium' }).and.not.have.any.keys('account', 'personMessage');
  });

  it('counts a window exactly 10 minutes long as too long', () => {
    expect(perIp(run(series(25, T0, 25_000, from('203.0.113.7'))).alerts)).to.deep.equal([]); // 24 gaps of 25 s = 10 min
    expect(perIp(run(series(25, T0, 24_999, from('203.0.113.7'))).alerts)).to.have.length(1);
  });

  it('counts IPv6 addresses by their /64, and separate /64s apart', () => {
    const roaming = series(25, T0, 1000, (at, i) => signinFailed(`u${i}@example.com`, at, { ip: `2001:db8:5:7:${i.toString(16)}::1` }));
    const { alerts } = run(roaming);
    expect(perIp(alerts)).to.have.length(1);
    expect(perIp(alerts)[0]).to.include({ network: '2001:db8:5:7::/64' });
    const spread = series(25, T0, 1000, (at, i) => signinFailed(`u${i}@example.com`, at, { ip: `2001:db8:5:${i.toString(16)}::1` }));
    expect(perIp(run(spread).alerts)).to.deep.equal([]);
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address', () => {
    const mixed = series(25, T0, 1000, (at, i) => signinFailed(`u${i}@example.com`, at, { ip: i % 2 ? '::ffff:203.0.113.7' : '203.0.113.7' }));
    expect(perIp(run(mixed).alerts)).to.have.length(1);
  });

  it('ignores failures without an address', () => {
    const { alerts } = run(series(30, T0, 1000, (at, i) => {
      const { ip: _ip, ...event } = signinFailed(`u${i}@example.com`, at);
      return event;
    }));
    expect(alerts).to.deep.equal([]);
  });
});
