// The score, one feature at a time: each reason fires on a sign-in crafted to differ from the
// owner's habits in that feature alone, and never on the owner's normal pattern.
import { expect } from 'chai';
import { emptyHistory } from '../../server/risk/history.ts';
import { DEFAULT_OPTIONS, riskOptions } from '../../server/risk/options.ts';
import { emptyPrior } from '../../server/risk/prior.ts';
import { decide, score } from '../../server/risk/score.ts';
import type { Assessment, FeatureName, SignIn } from '../../server/risk/types.ts';
import { BERLIN, DAY, FIREFOX_WINDOWS, HAMBURG_OTHER_ISP, home, HOUR, ownerSignIns, phone, populationSignIns, priorOf, recordAll, SAO_PAULO, T0 } from './support.ts';

const owner = ownerSignIns();
const history = recordAll(owner);
const prior = priorOf([owner, ...populationSignIns()]);
// The morning after the last recorded day.
const next = T0 + 60 * DAY + 7 * HOUR;
const assess = (signIn: SignIn): Assessment => score(history, prior, signIn, signIn.at);
const factor = (a: Assessment, feature: FeatureName) => a.factors.find((f) => f.feature === feature)?.logRatio ?? 0;

describe('risk score: the owner', () => {
  it("allows the owner's normal sign-ins, with no reasons", () => {
    for (const signIn of [home(next), home(next + 12 * HOUR), phone(next + 5 * HOUR, 7)]) {
      const a = assess(signIn);
      expect(a.reasons, new Date(signIn.at).toISOString()).to.deep.equal([]);
      expect(a.decision).to.equal('allow');
      expect(a.score).to.be.below(DEFAULT_OPTIONS.thresholds.stepUp);
    }
  });

  it('counts a known device, network and address as evidence of the owner', () => {
    const a = assess(home(next));
    expect(factor(a, 'device')).to.be.below(-4);
    expect(factor(a, 'network')).to.be.below(0);
    expect(factor(a, 'ip')).to.be.below(0);
  });
});

describe('risk score: each reason on its own case', () => {
  const cases: [string, SignIn, RegExp, FeatureName][] = [
    ['a new country', home(next, { geo: SAO_PAULO, ip: '200.0.0.5' }), /^first sign-in from Brazil$/, 'country'],
    ['a new ISP in a known country', home(next, { geo: HAMBURG_OTHER_ISP, ip: '192.0.2.5' }), /^new network provider \(Vodafone GmbH\)$/, 'asn'],
    ['a new /24 of the known ISP', home(next, { geo: { ...BERLIN, network: '203.0.114.0/24' }, ip: '203.0.114.9' }), /^new network \(203\.0\.114\.0\/24, Deutsche Telekom AG\)$/, 'network'],
    ['a new address in the home network', home(next, { ip: '203.0.113.99' }), /^new address \(203\.0\.113\.99\) in a known network$/, 'ip'],
    ['a new browser', home(next, { userAgent: { ...FIREFOX_WINDOWS, browser: 'Chrome', browserMajor: 124 } }), /^new browser \(Chrome on Windows\)$/, 'browser'],
    ['a new operating system', home(next, { userAgent: { ...FIREFOX_WINDOWS, os: 'Linux' } }), /^new operating system \(Linux\)$/, 'os'],
    ['a new kind of device', home(next, { userAgent: { browser: 'Safari', browserMajor: 17, os: 'iOS', deviceType: 'tablet' } }), /^first sign-in from a tablet$/, 'deviceType'],
    ['an older browser version', home(next, { userAgent: { ...FIREFOX_WINDOWS, browserMajor: 110 } }), /^older version of Firefox \(110\) than this account uses$/, 'browserVersion'],
    ['no known device cookie', home(next, { deviceId: undefined }), /^a device not seen before on this account$/, 'device'],
    ['an unknown device cookie', home(next, { deviceId: 'someone-else' }), /^a device not seen before on this account$/, 'device'],
    ['an hour the owner never signs in', home(T0 + 60 * DAY + 3 * HOUR), /^unusual time of day \(03:00 UTC\)$/, 'hour'],
    ['four months of silence', home(T0 + 180 * DAY + 7 * HOUR), /^first sign-in in 4 months$/, 'gap'],
    ['three hours after the morning sign-in', home(T0 + 59 * DAY + 22 * HOUR), /^unusual time since the last sign-in \(3 hours\)$/, 'gap'],
  ];
  for (const [name, signIn, reason, feature] of cases) {
    it(`${name}: "${reason.source.replace(/\\/g, '').replace(/^\^|\$$/g, '')}"`, () => {
      const a = assess(signIn);
      expect(a.reasons.some((r) => reason.test(r)), JSON.stringify(a.reasons)).to.equal(true);
      expect(factor(a, feature)).to.be.at.least(DEFAULT_OPTIONS.reasonMin);
      // And not on the owner's normal pattern.
      expect(assess(home(next)).reasons.some((r) => reason.test(r))).to.equal(false);
    });
  }

  it('a weekday person on a Sunday: "unusual day of the week (Sunday)"', () => {
    const weekdays = Array.from({ length: 56 }, (_, d) => home(T0 + d * DAY + 8 * HOUR)).filter((s) => ![0, 6].includes(new Date(s.at).getUTCDay()));
    const worker = recordAll(weekdays);
    const sunday = home(T0 + 55 * DAY + 8 * HOUR);
    const monday = home(T0 + 56 * DAY + 8 * HOUR);
    expect(new Date(sunday.at).getUTCDay()).to.equal(0);
    expect(score(worker, prior, sunday, sunday.at).reasons).to.include('unusual day of the week (Sunday)');
    expect(score(worker, prior, monday, monday.at).reasons).to.deep.equal([]);
  });

  it('impossible travel: Berlin to São Paulo in two hours', () => {
    const a = assess(home(T0 + 59 * DAY + 21 * HOUR, { geo: SAO_PAULO, ip: '200.0.0.5' }));
    const reason = a.reasons.find((r) => r.startsWith('travel at'));
    expect(reason).to.equal('travel at 5,100 km/h since the last sign-in 2 hours ago (10,000 km from Berlin)');
    expect(factor(a, 'travel')).to.be.at.least(1);
  });

  it('the same trip a week later is plausible, and weaker evidence', () => {
    const fast = factor(assess(home(T0 + 59 * DAY + 21 * HOUR, { geo: SAO_PAULO, ip: '200.0.0.5' })), 'travel');
    const slow = assess(home(T0 + 66 * DAY + 19 * HOUR, { geo: SAO_PAULO, ip: '200.0.0.5' }));
    expect(slow.reasons.some((r) => r.startsWith('travel at'))).to.equal(false);
    expect(factor(slow, 'travel')).to.be.below(fast);
  });

  it('a trip from someone whose new networks were always around town: "… km from the last sign-in …"', () => {
    const cafes = Array.from({ length: 20 }, (_, i) => home(T0 + i * 3 * DAY + 10 * HOUR, { geo: { ...BERLIN, network: `198.18.${i}.0/24` }, ip: `198.18.${i}.4` }));
    const local = recordAll([...owner, ...cafes].sort((a, b) => a.at - b.at));
    const trip = home(T0 + 66 * DAY + 19 * HOUR, { geo: SAO_PAULO, ip: '200.0.0.5' });
    expect(score(local, prior, trip, trip.at).reasons).to.include('10,000 km from the last sign-in (Berlin), 7 days ago');
  });

  it('a browser update (a newer major version) is no reason and no evidence', () => {
    const a = assess(home(next, { userAgent: { ...FIREFOX_WINDOWS, browserMajor: 127 } }));
    expect(a.reasons).to.deep.equal([]);
    expect(factor(a, 'browserVersion')).to.equal(0);
  });

  it('a known device abroad: the reason is given, the device cookie carries the decision', () => {
    const a = assess(home(next, { geo: SAO_PAULO, ip: '200.0.0.5' }));
    expect(a.reasons).to.include('first sign-in from Brazil');
    expect(a.decision).to.equal('allow');
  });

  it('a stranger: new country, new device, new browser — stepped up, strongest reasons first', () => {
    const a = assess(home(next, { geo: SAO_PAULO, ip: '200.0.0.5', deviceId: undefined, userAgent: { browser: 'Chrome', browserMajor: 124, os: 'Linux', deviceType: 'desktop' } }));
    expect(a.decision).to.not.equal('allow');
    const strengths = a.reasons.map((r) => a.factors.find((f) => f.reason === r)!.logRatio);
    expect(strengths).to.deep.equal([...strengths].sort((x, y) => y - x));
    expect(a.reasons).to.include('first sign-in from Brazil');
  });

  it('counts each novelty once, at the level where it is: nothing below a new country', () => {
    const a = assess(home(next, { geo: SAO_PAULO, ip: '200.0.0.5' }));
    expect(factor(a, 'asn')).to.equal(0);
    expect(factor(a, 'network')).to.equal(0);
    expect(factor(a, 'ip')).to.equal(0);
  });
});

describe('risk score: decisions and bounds', () => {
  const stranger = home(next, { geo: SAO_PAULO, ip: '200.0.0.5', deviceId: undefined });

  it('decides by the thresholds: below step-up allow, from step-up step_up, from deny deny', () => {
    expect(decide(0.99, { stepUp: 1, deny: 5 })).to.equal('allow');
    expect(decide(1, { stepUp: 1, deny: 5 })).to.equal('step_up');
    expect(decide(4.99, { stepUp: 1, deny: 5 })).to.equal('step_up');
    expect(decide(5, { stepUp: 1, deny: 5 })).to.equal('deny');
  });

  it('takes its thresholds from the options', () => {
    const s = assess(stranger).score;
    expect(score(history, prior, stranger, stranger.at, riskOptions({ thresholds: { stepUp: s + 1, deny: s + 2 } })).decision).to.equal('allow');
    expect(score(history, prior, stranger, stranger.at, riskOptions({ thresholds: { stepUp: s - 1, deny: s + 2 } })).decision).to.equal('step_up');
    expect(score(history, prior, stranger, stranger.at, riskOptions({ thresholds: { stepUp: s - 2, deny: s - 1 } })).decision).to.equal('deny');
  });

  it('keeps every factor within its clamp', () => {
    const tight = riskOptions({ clamp: { ...DEFAULT_OPTIONS.clamp, country: [-0.1, 0.5] } });
    const a = score(history, prior, stranger, stranger.at, tight);
    expect(factor(a, 'country')).to.equal(0.5);
    expect(a.reasons).to.not.include('first sign-in from Brazil');
  });

  it('sums the factors into the score', () => {
    const a = assess(stranger);
    expect(a.score).to.be.closeTo(a.factors.reduce((s, f) => s + f.logRatio, 0), 0.001);
  });

  it('leaves its arguments alone', () => {
    const before = JSON.stringify([history, prior]);
    assess(stranger);
    score(history, prior, stranger, stranger.at + 90 * DAY);
    expect(JSON.stringify([history, prior])).to.equal(before);
  });
});

describe('risk score: a new account', () => {
  it('falls back to the prior: with no history every feature is as likely for the owner as for anyone', () => {
    const first = home(next, { geo: SAO_PAULO, ip: '200.0.0.5', deviceId: undefined });
    const a = score(emptyHistory(), prior, first, first.at);
    for (const f of a.factors) expect(f.logRatio, f.feature).to.be.closeTo(0, 1e-9);
    expect(a.reasons).to.deep.equal([]);
    expect(a.decision).to.equal('allow');
  });

  it("decides a first sign-in by options.firstSignIn: with nothing to compare, the score alone does not step it up", () => {
    const first = home(next);
    expect(score(emptyHistory(), prior, first, first.at, riskOptions({ thresholds: { stepUp: -1, deny: 5 } })).decision).to.equal('allow');
    expect(score(emptyHistory(), prior, first, first.at, riskOptions({ firstSignIn: 'step_up' })).decision).to.equal('step_up');
    // From the second sign-in on, the thresholds decide.
    expect(score(recordAll([first]), prior, first, first.at + HOUR, riskOptions({ thresholds: { stepUp: -100, deny: 100 } })).decision).to.equal('step_up');
  });

  it('scores with neither history nor prior (a fresh deployment) without NaN', () => {
    const a = score(emptyHistory(), emptyPrior(), home(next), next);
    expect(Number.isFinite(a.score)).to.equal(true);
    expect(a.decision).to.equal('allow');
  });

  it('leans on the prior while its own history is short: two sign-ins make a new country weak evidence', () => {
    const young = recordAll(owner.slice(0, 2));
    const stranger = home(next, { geo: SAO_PAULO, ip: '200.0.0.5' });
    const weak = factor(score(young, prior, stranger, stranger.at), 'country');
    const strong = factor(assess(stranger), 'country');
    expect(weak).to.be.above(0);
    expect(weak).to.be.below(strong - 2);
  });
});

describe('risk score: speed', () => {
  it('scores a sign-in against a realistic history in well under a millisecond (measured)', function () {
    // Six months of a heavy user with home, work, mobile and a few trips; a prior of 40 accounts.
    const busy = recordAll([
      ...ownerSignIns(180, T0 - 120 * DAY),
      ...Array.from({ length: 40 }, (_, i) => home(T0 - 100 * DAY + i * 2 * DAY + 3 * HOUR, { geo: { ...HAMBURG_OTHER_ISP, network: `192.0.${i}.0/24` }, ip: `192.0.${i}.8`, deviceId: `laptop-${i % 3}` })),
    ].sort((a, b) => a.at - b.at));
    const signIns = Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? home(next + i * 1000, { geo: SAO_PAULO, ip: '200.0.0.5', deviceId: undefined }) : home(next + i * 1000)));
    for (const s of signIns.slice(0, 200)) score(busy, prior, s, s.at);
    const times = signIns.map((s) => {
      const started = performance.now();
      score(busy, prior, s, s.at);
      return performance.now() - started;
    });
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(times.length * 0.5)]!;
    const p99 = times[Math.floor(times.length * 0.99)]!;
    this.test!.title += ` — p50 ${(p50 * 1000).toFixed(0)} µs, p99 ${(p99 * 1000).toFixed(0)} µs, history ${JSON.stringify(busy).length} bytes`;
    // A guard against a pathological slowdown, not a benchmark (bench: npm run bench -- --scenario risk).
    expect(p99).to.be.below(10);
  });
});
