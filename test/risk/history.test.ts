// Recording, forgetting (decay, age, size) and feedback on an account's history.
import { expect } from 'chai';
import { levelSizes } from '../../server/risk/counts.ts';
import { emptyHistory, feedback, prune, record } from '../../server/risk/history.ts';
import { DEFAULT_OPTIONS, riskOptions } from '../../server/risk/options.ts';
import { score } from '../../server/risk/score.ts';
import type { RiskHistory, SignIn } from '../../server/risk/types.ts';
import { BERLIN, DAY, home, HOUR, ownerSignIns, populationSignIns, priorOf, recordAll, SAO_PAULO, T0 } from './support.ts';

const node = (h: RiskHistory, ...path: string[]) => {
  let level = h.loc;
  let found: [number, number, ...unknown[]] | undefined;
  for (const key of path) {
    found = level[key];
    if (!found) return undefined;
    level = (found[2] ?? {}) as RiskHistory['loc'];
  }
  return found;
};

describe('risk history: recording', () => {
  it('adds a sign-in along its paths, to its hour and weekday, and learns its device', () => {
    const h = record(emptyHistory(), home(T0 + 7 * HOUR), { via: 'password', deviceId: 'desk-1' });
    expect(h.n).to.equal(1);
    expect(node(h, 'DE', 'AS3320', '203.0.113.0/24', '203.0.113.10')?.[0]).to.equal(1);
    expect(h.ua.desktop?.[2]?.Windows?.[2]?.Firefox?.[2]?.v125?.[0]).to.equal(1);
    expect(h.h[7]).to.equal(1);
    expect(h.w[1]).to.equal(1); // a Monday
    expect(Object.keys(h.dev)).to.deep.equal(['desk-1']);
    expect(h.last).to.include({ t: T0 + 7 * HOUR, cc: 'DE', net: '203.0.113.0/24', city: 'Berlin' });
  });

  it('learns the cookie issued to a browser that came without one', () => {
    const h = record(emptyHistory(), home(T0, { deviceId: undefined }), { via: 'password', deviceId: 'issued-1' });
    expect(Object.keys(h.dev)).to.deep.equal(['issued-1']);
    expect(h.dn).to.equal(1);
  });

  it('is pure: the history it was given is unchanged', () => {
    const before = recordAll(ownerSignIns(5));
    const copy = JSON.stringify(before);
    record(before, home(T0 + 6 * DAY), { via: 'step_up', deviceId: 'x' });
    expect(JSON.stringify(before)).to.equal(copy);
  });

  it('round-trips through JSON unchanged (the stored form is the object itself)', () => {
    const h = recordAll(ownerSignIns(30));
    expect(JSON.parse(JSON.stringify(h))).to.deep.equal(h);
  });

  it("keeps a node's count the sum of its children's", () => {
    const h = recordAll(ownerSignIns(60));
    const check = (level: RiskHistory['loc']) => {
      for (const [, n] of Object.entries(level)) {
        if (!n[2]) continue;
        const children = Object.values(n[2]);
        expect(n[0]).to.be.closeTo(children.reduce((s, c) => s + c[0], 0), 0.01);
        expect(n[3]).to.equal(children.length);
        check(n[2]);
      }
    };
    check(h.loc);
    check(h.ua);
  });
});

describe('risk history: forgetting', () => {
  it('decays counts: they halve over the half-life', () => {
    const h = recordAll(ownerSignIns(1));
    const later = prune(h, T0 + DEFAULT_OPTIONS.history.halfLifeDays * DAY);
    expect(later.n).to.be.closeTo(h.n / 2, 0.01);
    expect(node(later, 'DE')![0]).to.be.closeTo(node(h, 'DE')![0] / 2, 0.01);
    expect(later.h[7]).to.be.closeTo(h.h[7]! / 2, 0.01);
  });

  it('forgets values not seen for six months, with what they counted, and keeps the rest', () => {
    const trip: SignIn = { ...home(T0 + 10 * DAY), geo: SAO_PAULO, ip: '200.0.0.5' };
    const h = recordAll([trip, ...ownerSignIns(30, T0 + 100 * DAY)]);
    expect(node(h, 'BR')).to.not.equal(undefined);
    const pruned = prune(h, T0 + 10 * DAY + 184 * DAY);
    expect(node(pruned, 'BR')).to.equal(undefined);
    expect(node(pruned, 'DE')).to.not.equal(undefined);
  });

  it('forgets everything, including the last place and devices, after six months of silence', () => {
    const h = recordAll(ownerSignIns(10));
    const pruned = prune(h, T0 + 10 * DAY + 200 * DAY);
    expect(pruned.loc).to.deep.equal({});
    expect(pruned.ua).to.deep.equal({});
    expect(pruned.dev).to.deep.equal({});
    expect(pruned.last).to.equal(undefined);
  });

  it('keeps at most the capped number of values per level, dropping the least recent', () => {
    const options = riskOptions({ history: { locationCaps: [8, 16, 4, 6] } });
    const signIns = Array.from({ length: 12 }, (_, i) => home(T0 + i * DAY, { geo: { ...BERLIN, network: `198.18.${i}.0/24` }, ip: `198.18.${i}.1` }));
    const h = recordAll(signIns, emptyHistory(), options);
    expect(levelSizes(h.loc, 4)).to.deep.equal([1, 1, 4, 4]);
    const kept = Object.keys(node(h, 'DE', 'AS3320')![2] as object);
    expect(kept).to.have.members(['198.18.8.0/24', '198.18.9.0/24', '198.18.10.0/24', '198.18.11.0/24']);
    // Ancestors lost what the dropped networks counted.
    expect(node(h, 'DE', 'AS3320')![0]).to.be.closeTo(4, 0.2);
  });

  it('keeps at most maxDevices devices, the most recently seen', () => {
    const signIns = Array.from({ length: 20 }, (_, i) => home(T0 + i * DAY, { deviceId: `d${i}` }));
    const h = recordAll(signIns);
    expect(Object.keys(h.dev)).to.have.length(DEFAULT_OPTIONS.history.maxDevices);
    expect(h.dev).to.have.property('d19');
    expect(h.dev).to.not.have.property('d0');
  });

  it('stays bounded in size whatever it is fed: a thousand sign-ins from a thousand places', () => {
    const signIns = Array.from({ length: 1000 }, (_, i): SignIn => ({
      at: T0 + i * HOUR,
      ip: `10.${i % 250}.${i % 7}.${i % 200}`.replace(/^10\./, '100.'),
      geo: { country: ['DE', 'FR', 'GB', 'US', 'BR', 'JP', 'IN', 'NO', 'ES', 'IT'][i % 10]!, asn: 64_500 + (i % 37), network: `100.${i % 250}.${i % 7}.0/24` },
      userAgent: { browser: ['Chrome', 'Firefox', 'Safari', 'Edge', 'Opera'][i % 5]!, browserMajor: 100 + (i % 30), os: ['Windows', 'Linux', 'macOS', 'iOS', 'Android'][i % 5]!, deviceType: i % 2 ? 'desktop' : 'mobile' },
      deviceId: `dev-${i}`,
    }));
    const h = recordAll(signIns);
    const { locationCaps, userAgentCaps, maxCount, recent } = DEFAULT_OPTIONS.history;
    levelSizes(h.loc, 4).forEach((n, i) => expect(n).to.be.at.most(locationCaps[i]!));
    levelSizes(h.ua, 4).forEach((n, i) => expect(n).to.be.at.most(userAgentCaps[i]!));
    expect(h.n).to.be.at.most(maxCount * 1.1);
    expect(h.r).to.have.length(recent);
    expect(JSON.stringify(h).length).to.be.below(12_000);
  });
});

describe('risk history: feedback', () => {
  const owner = ownerSignIns(60);
  const prior = priorOf([owner, ...populationSignIns()]);
  const history = recordAll(owner);
  const intruder = home(T0 + 60 * DAY + 7 * HOUR, { geo: SAO_PAULO, ip: '200.0.0.5', deviceId: undefined });
  const issued = { via: 'password' as const, deviceId: 'intruder-cookie' };

  it('"not me" on a recorded sign-in takes it out of the history and forgets its device', () => {
    const recorded = record(history, intruder, issued);
    expect(node(recorded, 'BR')).to.not.equal(undefined);
    const cleaned = feedback(recorded, intruder, 'not_me', intruder.at + HOUR, issued);
    expect(node(cleaned, 'BR')).to.equal(undefined);
    expect(cleaned.dev).to.not.have.property('intruder-cookie');
    expect(cleaned.n).to.be.closeTo(history.n, 0.01);
  });

  it('"not me" makes the network and the device stand out afterwards, with reasons', () => {
    const cleaned = feedback(record(history, intruder, issued), intruder, 'not_me', intruder.at + HOUR, issued);
    const again = { ...intruder, at: intruder.at + DAY, deviceId: 'intruder-cookie' };
    const a = score(cleaned, prior, again, again.at);
    expect(a.reasons).to.include('from a network you reported as not you');
    expect(a.reasons).to.include('from a device you reported as not you');
    const before = score(history, prior, again, again.at);
    expect(a.score).to.be.above(before.score + DEFAULT_OPTIONS.disownedLogRatio);
  });

  it('"not me" on a sign-in that was never recorded only reports it', () => {
    const reported = feedback(history, intruder, 'not_me', intruder.at + HOUR);
    expect(reported.n).to.equal(history.n);
    expect(reported.x).to.deep.include(['net', '200.0.0.0/24', Math.floor((intruder.at + HOUR) / DAY)]);
  });

  it('"was me" records a sign-in that was not recorded (say, refused), once', () => {
    const confirmed = feedback(history, intruder, 'was_me', intruder.at + HOUR);
    expect(node(confirmed, 'BR')?.[0]).to.equal(1);
    const twice = feedback(confirmed, intruder, 'was_me', intruder.at + 2 * HOUR);
    expect(node(twice, 'BR')?.[0]).to.equal(1);
    const later = { ...intruder, at: intruder.at + DAY };
    expect(score(twice, prior, later, later.at).reasons).to.not.include('first sign-in from Brazil');
  });

  it('"was me" withdraws an earlier "not me" on the same network', () => {
    const reported = feedback(history, intruder, 'not_me', intruder.at + HOUR);
    const withdrawn = feedback(reported, intruder, 'was_me', intruder.at + 2 * HOUR);
    expect(withdrawn.x).to.deep.equal([]);
  });

  it('is pure', () => {
    const copy = JSON.stringify(history);
    feedback(history, intruder, 'not_me', intruder.at);
    feedback(history, intruder, 'was_me', intruder.at);
    expect(JSON.stringify(history)).to.equal(copy);
  });
});
