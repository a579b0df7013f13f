// The synthetic sign-in generator and the evaluation loop of the risk benchmark.
import { expect } from 'chai';
import { evaluate } from '../../bench/risk/evaluate.ts';
import { generate, type GeneratorOptions } from '../../bench/risk/generate.ts';
import { RBA_COLUMNS, toCsv, toSignIn } from '../../bench/risk/schema.ts';

const small: GeneratorOptions = { seed: 'test-seed', people: 25, days: 70, evaluateFrom: 30, attacksPerKind: 2 };

describe('risk benchmark: synthetic sign-ins', () => {
  const events = generate(small);

  it('is reproducible: one seed, one stream; another seed, another stream', () => {
    expect(JSON.stringify(generate(small))).to.equal(JSON.stringify(events));
    expect(JSON.stringify(generate({ ...small, seed: 'other' }))).to.not.equal(JSON.stringify(events));
  });

  it("writes rows in the RBA dataset's columns, in time order", () => {
    const header = toCsv(events.slice(0, 1)).split('\n')[0];
    expect(header).to.equal('index,Login Timestamp,User ID,Round-Trip Time [ms],IP Address,Country,Region,City,ASN,User Agent String,Browser Name and Version,OS Name and Version,Device Type,Login Successful,Is Attack IP,Is Account Takeover');
    expect(Object.keys(events[0]!.row)).to.have.members(Object.keys(RBA_COLUMNS));
    for (let i = 1; i < events.length; i++) expect(events[i]!.at).to.be.at.least(events[i - 1]!.at);
    expect(new Set(events.map((e) => e.row.deviceType))).to.include.members(['desktop', 'mobile']);
  });

  it('flags every attack and nothing else, and never gives an attacker the victim’s device cookie', () => {
    const attacks = events.filter((e) => e.attack);
    expect(new Set(attacks.map((e) => e.attack))).to.deep.equal(new Set(['naive', 'vpn', 'targeted']));
    for (const e of events) expect(e.row.isAttackIp).to.equal(e.attack !== undefined);
    for (const e of attacks) expect(e.deviceId).to.equal(undefined);
    for (const e of attacks) expect(e.at).to.be.at.least(Date.UTC(2026, 0, 5) + small.evaluateFrom * 86_400_000);
  });

  it('gives the model valid input: addresses that parse, networks that hold them', () => {
    for (const e of events.slice(0, 500)) {
      const signIn = toSignIn(e);
      expect(signIn.geo.network).to.match(/\/(24|48)$/);
      expect(signIn.userAgent.deviceType).to.be.oneOf(['desktop', 'mobile', 'tablet', 'bot']);
    }
  });
});

describe('risk benchmark: evaluation', () => {
  it('never learns from attacks: genuine scores are the same with the attacks taken out', () => {
    const events = generate(small);
    const withAttacks = evaluate(events, small.evaluateFrom).scored.filter((s) => s.kind === 'genuine').map((s) => s.score);
    const without = evaluate(events.filter((e) => !e.attack), small.evaluateFrom).scored.map((s) => s.score);
    expect(withAttacks).to.deep.equal(without);
  });

  it('scores failed password attempts not at all', () => {
    const events = generate(small);
    const successful = events.filter((e) => e.row.loginSuccessful).length;
    expect(events.some((e) => !e.row.loginSuccessful)).to.equal(true);
    expect(evaluate(events, small.evaluateFrom).scored).to.have.length(successful);
  });
});
