// The typed history store over the store's risk documents: what the model reads and writes.
// (The documents' own bounds are the store contract's: test/store/store-contract.test.ts.)
import { expect } from 'chai';
import { emptyHistory } from '../../server/risk/history.ts';
import { emptyPrior } from '../../server/risk/prior.ts';
import { riskHistoryStore } from '../../server/risk/store.ts';
import { createMemoryStore } from '../../server/store/memory/index.ts';
import { home, ownerSignIns, recordAll, T0 } from './support.ts';

const open = () => {
  const store = createMemoryStore();
  return { store, risk: riskHistoryStore(store.risk, store.feeds) };
};

describe('risk history store', () => {
  it('answers an empty history for a new account and an empty prior at first', async () => {
    const { risk } = open();
    expect(await risk.getHistory('nobody')).to.deep.equal(emptyHistory());
    expect(await risk.getPrior()).to.deep.equal(emptyPrior());
  });

  it('gives back what was put, per account, as a copy', async () => {
    const { store, risk } = open();
    const h = recordAll(ownerSignIns(10));
    await risk.putHistory('a', h);
    const got = await risk.getHistory('a');
    expect(got).to.deep.equal(h);
    got.n = 0;
    expect((await risk.getHistory('a')).n).to.equal(h.n);
    expect(await risk.getHistory('b')).to.deep.equal(emptyHistory());
    expect(await store.risk.get('a')).to.equal(JSON.stringify(h));
  });

  it('keeps the prior', async () => {
    const { risk } = open();
    const prior = { ...emptyPrior(), n: 3 };
    await risk.putPrior(prior);
    expect(await risk.getPrior()).to.deep.equal(prior);
  });

  it('starts again from nothing on a damaged document or one of another format version', async () => {
    const { store, risk } = open();
    await store.risk.put('a', '{not json', { ttlSeconds: 60, maxBytes: 100 });
    await store.risk.put('b', JSON.stringify({ ...emptyHistory(), v: 2, n: 5 }), { ttlSeconds: 60, maxBytes: 1000 });
    expect(await risk.getHistory('a')).to.deep.equal(emptyHistory());
    expect(await risk.getHistory('b')).to.deep.equal(emptyHistory());
  });

  it('keeps the latest scored sign-ins for feedback, and finds one by key', async () => {
    const { risk } = open();
    for (let i = 0; i < 40; i++) await risk.keepScored('a', { key: `k${i}`, signIn: home(T0 + i), decision: 'allow', recorded: true });
    expect((await risk.findScored('a', 'k39'))?.signIn.at).to.equal(T0 + 39);
    expect(await risk.findScored('a', 'k0'), 'older than the newest 32').to.equal(undefined);
    expect(await risk.findScored('b', 'k39')).to.equal(undefined);
  });
});
