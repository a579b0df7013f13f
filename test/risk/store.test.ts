// The in-memory history store: what a Redis store must also do.
import { expect } from 'chai';
import { emptyHistory } from '../../server/risk/history.ts';
import { emptyPrior } from '../../server/risk/prior.ts';
import { MemoryRiskHistoryStore } from '../../server/risk/store.ts';
import { ownerSignIns, recordAll } from './support.ts';

describe('risk history store (memory)', () => {
  it('answers an empty history for a new account and an empty prior at first', async () => {
    const store = new MemoryRiskHistoryStore();
    expect(await store.getHistory('nobody')).to.deep.equal(emptyHistory());
    expect(await store.getPrior()).to.deep.equal(emptyPrior());
  });

  it('gives back what was put, per account, as a copy', async () => {
    const store = new MemoryRiskHistoryStore();
    const h = recordAll(ownerSignIns(10));
    await store.putHistory('a', h);
    const got = await store.getHistory('a');
    expect(got).to.deep.equal(h);
    got.n = 0;
    expect((await store.getHistory('a')).n).to.equal(h.n);
    expect(await store.getHistory('b')).to.deep.equal(emptyHistory());
    expect(store.sizeOf('a')).to.equal(JSON.stringify(h).length);
  });

  it('keeps the prior', async () => {
    const store = new MemoryRiskHistoryStore();
    const prior = { ...emptyPrior(), n: 3 };
    await store.putPrior(prior);
    expect(await store.getPrior()).to.deep.equal(prior);
  });
});
