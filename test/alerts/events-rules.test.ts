// The rules that fire on single events: refresh token reuse, a revoked signing key, an admin
// call outside working hours.
import { expect } from 'chai';
import { alertSchema, type Alert } from '../../server/audit/events-alerts.ts';
import { localTime } from '../../server/alerts/rules/admin-off-hours.ts';
import { resolveThresholds } from '../../server/alerts/thresholds.ts';
import { MINUTE, adminCall, keyRevoked, refreshReuse, run } from './support/events.ts';

const of = (rule: string) => (alerts: Alert[]) => alerts.filter((a) => a.rule === rule);

describe('alert rule: refresh token reuse', () => {
  const reuse = of('refresh_token_reuse');
  const at = Date.UTC(2026, 2, 3, 14);

  it('fires on every detection, high, and tells the person why they were signed out', () => {
    const { alerts } = run([refreshReuse('ada', at)]);
    expect(reuse(alerts)).to.have.length(1);
    const [alert] = reuse(alerts);
    expect(alert).to.include({ severity: 'high', account: 'ada', at });
    expect(alert!.summary).to.include('client spa').and.include('grant was revoked');
    expect(alert!.personMessage).to.include('signed you out of “spa”');
    expect(alert!.evidence).to.include({ grantRevoked: true, consumedAt: at - 5 * MINUTE });
  });

  it('says so when the grant was not revoked', () => {
    expect(reuse(run([refreshReuse('ada', at, { grantRevoked: false })]).alerts)[0]!.summary).to.include('NOT revoked');
  });

  it('fires once per account and client within the cool-down, again after it', () => {
    const events = [
      refreshReuse('ada', at),
      refreshReuse('ada', at + 10 * MINUTE - 1),
      refreshReuse('ada', at + MINUTE, { client: 'other', actor: { kind: 'client', clientId: 'other' } }),
      refreshReuse('bob', at + 2 * MINUTE),
      refreshReuse('ada', at + 10 * MINUTE),
    ];
    expect(reuse(run(events).alerts).map((a) => [a.account, a.evidence.client, a.at])).to.deep.equal([
      ['ada', 'spa', at],
      ['ada', 'other', at + MINUTE],
      ['bob', 'spa', at + 2 * MINUTE],
      ['ada', 'spa', at + 10 * MINUTE],
    ]);
  });
});

describe('alert rule: signing key revoked', () => {
  const revoked = of('signing_key_revoked');
  const at = Date.UTC(2026, 2, 3, 14);

  it('fires on every revoked key, high, saying who revoked it and that it was signing', () => {
    const { alerts } = run([keyRevoked('ES256-1', at), keyRevoked('RS256-1', at + 1), keyRevoked('ES256-1', at + 2)]);
    expect(revoked(alerts).map((a) => a.evidence.kid)).to.deep.equal(['ES256-1', 'RS256-1']);
    expect(revoked(alerts)[0]).to.include({ severity: 'high' }).and.not.have.any.keys('account', 'personMessage');
    expect(revoked(alerts)[0]!.summary).to.include('revoked by admin-token while it was the signing key');
  });
});

describe('alert rule: admin actions outside working hours', () => {
  const offHours = of('admin_off_hours');
  // Monday 2 March 2026; Berlin is UTC+1 until 29 March, UTC+2 after.
  const monday = (h: number, m = 0) => Date.UTC(2026, 2, 2, h, m);

  it('stays quiet within Mon–Fri 07:00–20:00 UTC, and fires at the boundaries outside it', () => {
    const alertAt = (at: number) => offHours(run([adminCall(at)]).alerts).length;
    expect(alertAt(monday(7))).to.equal(0);
    expect(alertAt(monday(19, 59))).to.equal(0);
    expect(alertAt(monday(6, 59))).to.equal(1);
    expect(alertAt(monday(20))).to.equal(1);
    expect(alertAt(Date.UTC(2026, 2, 7, 11))).to.equal(1); // Saturday
  });

  it('says who did what and when, in the operators’ time', () => {
    const [alert] = offHours(run([adminCall(Date.UTC(2026, 2, 7, 23, 14), { method: 'DELETE', path: '/admin/clients/my-web' })]).alerts);
    expect(alert).to.include({ severity: 'medium' });
    expect(alert!.summary).to.equal(
      'Admin admin-token called DELETE /admin/clients/my-web (status 200) at Sat 23:14 UTC, outside working hours (Mon, Tue, Wed, Thu, Fri 07:00–20:00).',
    );
  });

  it('follows the configured time zone, daylight saving included', () => {
    const berlin = resolveThresholds({ adminOffHours: { timeZone: 'Europe/Berlin' } });
    const alertAt = (at: number) => offHours(run([adminCall(at)], berlin).alerts).length;
    expect(alertAt(monday(6, 30))).to.equal(0); // 07:30 in Berlin (UTC+1)
    expect(alertAt(monday(5, 59))).to.equal(1); // 06:59
    expect(alertAt(Date.UTC(2026, 2, 30, 5, 30))).to.equal(0); // 07:30 in Berlin (UTC+2)
    expect(alertAt(Date.UTC(2026, 2, 30, 18, 0))).to.equal(1); // 20:00
  });

  it('cuts a long path so the alert still fits the catalogue', () => {
    const [alert] = offHours(run([adminCall(monday(23), { path: `/admin/${'x'.repeat(500)}` })]).alerts);
    expect(alertSchema.safeParse(alert).success).to.equal(true);
    expect(alert!.summary).to.have.length(512).and.match(/…$/);
    expect(alert!.evidence.path).to.have.length(256);
  });

  it('reads midnight as 00:00', () => {
    expect(localTime(Date.UTC(2026, 2, 3, 0, 5), 'UTC')).to.deep.equal({ day: 2, minute: 5, text: 'Tue 00:05' });
  });

  it('fires once per admin within the cool-down', () => {
    const night = [0, 10, 50, 59].map((m) => adminCall(monday(22, m)));
    expect(offHours(run(night).alerts)).to.have.length(1);
    expect(offHours(run([...night, adminCall(monday(23))]).alerts)).to.have.length(2);
  });

  it('ignores unauthenticated callers, and does nothing when turned off', () => {
    expect(run([adminCall(monday(23), { actor: { kind: 'anonymous' }, status: 401 })]).alerts).to.deep.equal([]);
    expect(run([adminCall(monday(23))], resolveThresholds({ adminOffHours: { enabled: false } })).alerts).to.deep.equal([]);
  });
});
