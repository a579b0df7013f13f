// Thresholds: the defaults with some numbers changed, and bad numbers refused by name.
import { expect } from 'chai';
import { DEFAULT_THRESHOLDS, resolveThresholds } from '../../server/alerts/thresholds.ts';

describe('alert thresholds', () => {
  it('are the defaults when nothing is overridden, and valid', () => {
    expect(resolveThresholds()).to.deep.equal(DEFAULT_THRESHOLDS);
  });

  it('override single numbers and keep the rest of the rule', () => {
    const t = resolveThresholds({ failedSignInsPerAccount: { count: 5 }, adminOffHours: { timeZone: 'America/New_York' } });
    expect(t.failedSignInsPerAccount).to.deep.equal({ ...DEFAULT_THRESHOLDS.failedSignInsPerAccount, count: 5 });
    expect(t.adminOffHours.start).to.equal('07:00');
    expect(t.adminOffHours.timeZone).to.equal('America/New_York');
  });

  it('refuse bad values, naming them', () => {
    expect(() => resolveThresholds({ failedSignInsPerAccount: { count: 0 } })).to.throw(RangeError, /failedSignInsPerAccount\.count/);
    expect(() => resolveThresholds({ adminOffHours: { timeZone: 'Mars/Olympus' } })).to.throw(RangeError, /adminOffHours\.timeZone/);
    expect(() => resolveThresholds({ adminOffHours: { start: '7:00' } })).to.throw(RangeError, /adminOffHours\.start/);
    expect(() => resolveThresholds({ adminOffHours: { start: '20:00', end: '07:00' } })).to.throw(RangeError, /before/);
    expect(() => resolveThresholds({ passwordSpraying: { ipv4PrefixBits: 33 } })).to.throw(RangeError, /ipv4PrefixBits/);
    expect(() => resolveThresholds({ impossibleTravel: { maxSpeedKmh: -1 } })).to.throw(RangeError, /maxSpeedKmh/);
  });

  it('refuse unknown rules and unknown fields', () => {
    expect(() => resolveThresholds({ bogus: {} } as never)).to.throw(RangeError, /bogus/);
    expect(() => resolveThresholds({ newCountry: { learning: 2 } } as never)).to.throw(RangeError, /learning/);
  });
});
