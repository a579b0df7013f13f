// The sampled estimate of how many keys of a kind a Redis holds (the sessions gauge), on data.
import { expect } from 'chai';
import { estimateCount } from '../../server/store/estimate.ts';

describe('estimateCount', () => {
  it('scales each master’s share of hits by its key count, and adds the masters up', () => {
    expect(estimateCount([{ keys: 10_000, drawn: 1000, hits: 250 }])).to.equal(2500);
    expect(estimateCount([
      { keys: 10_000, drawn: 1000, hits: 250 },
      { keys: 2_000, drawn: 1000, hits: 500 },
    ])).to.equal(3500);
  });

  it('is exact when every key was drawn once, and rounds to whole sessions', () => {
    expect(estimateCount([{ keys: 7, drawn: 7, hits: 3 }])).to.equal(3);
    expect(estimateCount([{ keys: 1000, drawn: 3, hits: 1 }])).to.equal(333);
  });

  it('counts nothing for an empty master or one that drew nothing, and nothing at all for none', () => {
    expect(estimateCount([{ keys: 0, drawn: 0, hits: 0 }, { keys: 50, drawn: 0, hits: 0 }, { keys: 100, drawn: 100, hits: 0 }])).to.equal(0);
    expect(estimateCount([])).to.equal(0);
  });

  it('refuses a sample with more hits than draws (a bug in the sampling)', () => {
    expect(() => estimateCount([{ keys: 10, drawn: 5, hits: 6 }])).to.throw(RangeError);
    expect(() => estimateCount([{ keys: 10, drawn: 5, hits: -1 }])).to.throw(RangeError);
  });
});
