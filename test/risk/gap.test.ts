// Time since the last sign-in against an attacker who comes at a random moment.
import { expect } from 'chai';
import { GAP_BINS, gapBin } from '../../server/risk/features.ts';
import { gapLikelihoodRatio } from '../../server/risk/gap.ts';

const HOUR = 3_600_000;
const histogram = (gapsHours: number[]) => {
  const bins = new Array<number>(GAP_BINS).fill(0);
  for (const h of gapsHours) bins[gapBin(h * HOUR)]! += 1;
  return bins;
};

describe('risk gap', () => {
  it('bins gaps in doublings of a quarter hour', () => {
    expect([0.1, 0.3, 0.6, 1.5, 3, 24, 24 * 200].map((h) => gapBin(h * HOUR))).to.deep.equal([0, 1, 2, 3, 4, 7, 14]);
  });

  it('says little for an owner whose sign-ins come at random (exponential gaps)', () => {
    // Quantiles of an exponential with a mean of 24 hours.
    const gaps = Array.from({ length: 400 }, (_, i) => -24 * Math.log(1 - (i + 0.5) / 400));
    const owner = histogram(gaps);
    for (const bin of [3, 5, 6, 7, 8]) expect(Math.abs(Math.log(gapLikelihoodRatio(owner, owner, bin, 4))), `bin ${bin}`).to.be.below(0.7);
  });

  it('finds a random moment unlike an owner who signs in once a day, like clockwork', () => {
    const owner = histogram(Array.from({ length: 100 }, () => 24));
    const prior = histogram(Array.from({ length: 100 }, (_, i) => 1 + i));
    expect(gapLikelihoodRatio(owner, prior, gapBin(3 * HOUR), 4)).to.be.above(3);
    expect(gapLikelihoodRatio(owner, prior, gapBin(24 * HOUR), 4)).to.be.below(1);
  });

  it('is finite for empty histograms', () => {
    const empty = new Array<number>(GAP_BINS).fill(0);
    for (let bin = 0; bin < GAP_BINS; bin++) expect(Number.isFinite(gapLikelihoodRatio(empty, empty, bin, 4))).to.equal(true);
  });
});
