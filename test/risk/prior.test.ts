// The global prior: what all accounts look like, bounded, and what a new account falls back to.
import { expect } from 'chai';
import { levelSizes } from '../../server/risk/counts.ts';
import { emptyHistory } from '../../server/risk/history.ts';
import { riskOptions } from '../../server/risk/options.ts';
import { addToPrior, addToPriorInPlace, emptyPrior, prunePrior } from '../../server/risk/prior.ts';
import { score } from '../../server/risk/score.ts';
import { BERLIN, DAY, home, HOUR, populationSignIns, priorOf, SAO_PAULO, T0 } from './support.ts';

describe('risk prior', () => {
  it('counts every account’s sign-ins down to the network, not the address', () => {
    const prior = priorOf(populationSignIns(8, 5));
    // 40 sign-ins over 5 days, aged with the prior's 30-day half-life.
    expect(prior.n).to.be.within(0.5 ** (4 / 30) * 40, 40);
    const de = prior.loc.DE!;
    expect(de[0] / prior.n).to.be.closeTo(6 / 8, 0.01);
    const asn = de[2]!.AS3320!;
    expect(Object.keys(asn[2]!)).to.have.length(6);
    for (const network of Object.values(asn[2]!)) expect(network[2]).to.equal(undefined);
    expect(prior.z).to.deep.equal([...levelSizes(prior.loc, 3), ...levelSizes(prior.ua, 4)]);
  });

  it('is pure in its pure form', () => {
    const prior = priorOf(populationSignIns(4, 3));
    const copy = JSON.stringify(prior);
    addToPrior(prior, emptyHistory(), home(T0 + 10 * DAY));
    expect(JSON.stringify(prior)).to.equal(copy);
  });

  it('stays within its caps', () => {
    const options = riskOptions({ prior: { halfLifeDays: 30, maxCount: 1_000_000, locationCaps: [300, 3000, 50], userAgentCaps: [8, 64, 256, 1024] } });
    const prior = emptyPrior();
    for (let i = 0; i < 500; i++) addToPriorInPlace(prior, emptyHistory(), home(T0 + i * 60_000, { geo: { ...BERLIN, network: `100.64.${i % 250}.0/24` } }), options);
    expect(levelSizes(prior.loc, 3)[2]).to.be.at.most(55);
    expect(prunePrior(prior, T0 + DAY, options).z[2]).to.be.at.most(50);
  });

  it('gives a new account its view of the world: a country common among accounts is no evidence, so the score stays 0', () => {
    const prior = priorOf(populationSignIns(40, 10));
    const common = score(emptyHistory(), prior, home(T0 + 20 * DAY + 8 * HOUR), T0 + 20 * DAY);
    const rare = score(emptyHistory(), prior, home(T0 + 20 * DAY + 8 * HOUR, { geo: SAO_PAULO, ip: '200.0.0.1' }), T0 + 20 * DAY);
    expect(common.score).to.be.closeTo(0, 1e-9);
    expect(rare.score).to.be.closeTo(0, 1e-9);
  });
});
