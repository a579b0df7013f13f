// oidc-provider's records as stored: named by HMAC, sealed, indexed by their relations (grant
// members, owners), and still found while an older KEYS_ENCRYPTION_KEY is listed.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { createRecordProtection } from '../../server/crypto/record-protection.ts';
import { protectRecords } from '../../server/provider/records.ts';
import { createMemoryStore, type MemoryStore } from '../../server/store/memory/index.ts';

describe('protected records', () => {
  let store: MemoryStore;
  const key = randomBytes(32);
  beforeEach(() => {
    store = createMemoryStore();
  });
  afterEach(() => store.close());

  const token = 'access-token-value-3jV9xq1TzR8mK2pL0wE5sY7uN4bH6cD';
  const userCode = 'BCDF-GHJK';

  it('stores no id, user code or payload field in the clear', async () => {
    const records = protectRecords(store.oidc, createRecordProtection([key]));
    await records.upsert('AccessToken', token, { jti: token, accountId: 'sub-1', grantId: 'grant-1', scope: 'openid email' }, 60);
    await records.upsert('DeviceCode', 'device-code-value', { jti: 'device-code-value', userCode, grantId: 'grant-1' }, 60);
    await records.upsert('Session', 'session-cookie-value', { jti: 'session-cookie-value', uid: 'session-uid', accountId: 'sub-1' }, 60);
    expect(await store.oidc.find('AccessToken', token), 'not under its own id').to.equal(undefined);
    const raw = JSON.stringify(await Promise.all([
      store.oidc.find('AccessToken', createRecordProtection([key]).name(token)),
      store.oidc.find('DeviceCode', createRecordProtection([key]).name('device-code-value')),
      store.oidc.find('Session', createRecordProtection([key]).name('session-cookie-value')),
    ]));
    for (const secret of [token, 'device-code-value', userCode, 'session-cookie-value']) {
      expect(raw, secret).to.not.include(secret);
    }
    // What is no credential may stay readable (tokens are the hot path: no seal to pay for).
    expect(raw).to.include('openid email');
    expect(await records.find('AccessToken', token)).to.deep.equal({ jti: token, accountId: 'sub-1', grantId: 'grant-1', scope: 'openid email' });
    expect(await records.findByUserCode('DeviceCode', userCode)).to.include({ jti: 'device-code-value' });
    expect(await records.findByUid('Session', 'session-uid')).to.include({ jti: 'session-cookie-value' });
    expect(await records.findByUid('Session', 'other-uid')).to.equal(undefined);
  });

  it("revokes a grant's tokens and codes, but not a sign-in in progress that names the grant", async () => {
    const records = protectRecords(store.oidc, createRecordProtection([key]));
    await records.upsert('RefreshToken', 'rt', { jti: 'rt', grantId: 'g' }, 60);
    await records.upsert('AuthorizationCode', 'code', { jti: 'code', grantId: 'g' }, 60);
    await records.upsert('Interaction', 'interaction', { jti: 'interaction', grantId: 'g' }, 60);
    await records.revokeByGrantId('g');
    expect(await records.find('RefreshToken', 'rt')).to.equal(undefined);
    expect(await records.find('AuthorizationCode', 'code')).to.equal(undefined);
    expect(await records.find('Interaction', 'interaction')).to.include({ jti: 'interaction' });
  });

  it("lists an account's grants and sessions and a client's grants, opened", async () => {
    const records = protectRecords(store.oidc, createRecordProtection([key]));
    await records.upsert('Grant', 'g1', { jti: 'g1', accountId: 'ada', clientId: 'app' }, 60);
    await records.upsert('Grant', 'g2', { jti: 'g2', accountId: 'bob', clientId: 'app' }, 60);
    await records.upsert('Session', 's1', { jti: 's1', uid: 'u1', accountId: 'ada' }, 60);
    await records.upsert('Session', 'anonymous', { jti: 'anonymous', uid: 'u2' }, 60);
    await records.upsert('AccessToken', 't1', { jti: 't1', accountId: 'ada', grantId: 'g1' }, 60);
    const of = async (kind: 'account' | 'client', id: string) => (await records.owned(kind, id)).map((o) => `${o.model}/${o.payload.jti}`).sort();
    expect(await of('account', 'ada')).to.deep.equal(['Grant/g1', 'Session/s1']);
    expect(await of('account', 'bob')).to.deep.equal(['Grant/g2']);
    expect(await of('client', 'app')).to.deep.equal(['Grant/g1', 'Grant/g2']);
  });

  it('finds, consumes and revokes what an older listed key wrote, and moves a record rewritten to the current key', async () => {
    const oldKey = randomBytes(32);
    const before = protectRecords(store.oidc, createRecordProtection([oldKey]));
    await before.upsert('RefreshToken', 'rt', { jti: 'rt', grantId: 'g' }, 60);
    await before.upsert('Session', 's', { jti: 's', uid: 'u', accountId: 'ada' }, 60);
    const sizeBefore = store.size();

    const after = protectRecords(store.oidc, createRecordProtection([randomBytes(32), oldKey]));
    expect(await after.find('RefreshToken', 'rt')).to.include({ jti: 'rt' });
    expect(await after.findByUid('Session', 'u')).to.include({ jti: 's' });
    expect((await after.owned('account', 'ada')).map((o) => o.payload.jti)).to.deep.equal(['s']);
    await after.upsert('Session', 's', { jti: 's', uid: 'u', accountId: 'ada' }, 60);
    expect(store.size(), 'the old copy is gone').to.equal(sizeBefore);
    expect(await after.consume('RefreshToken', 'rt')).to.equal(true);
    expect(await after.consume('RefreshToken', 'rt')).to.equal(false);
    await after.revokeByGrantId('g');
    expect(await after.find('RefreshToken', 'rt')).to.equal(undefined);

    const forgotten = protectRecords(store.oidc, createRecordProtection([randomBytes(32)]));
    expect(await forgotten.find('Session', 's'), 'without the key it was written under').to.equal(undefined);
  });

  it("treats a sealed payload moved onto another record as no record (someone else's session)", async () => {
    const protection = createRecordProtection([key]);
    const records = protectRecords(store.oidc, protection);
    await records.upsert('Session', 'theirs', { jti: 'theirs', uid: 'u-theirs', accountId: 'admin' }, 60);
    await records.upsert('Session', 'mine', { jti: 'mine', uid: 'u-mine', accountId: 'me' }, 60);
    const stolen = await store.oidc.find('Session', protection.name('theirs'));
    await store.oidc.upsert('Session', protection.name('mine'), stolen!, 60);
    expect(await records.find('Session', 'mine')).to.equal(undefined);
    expect(await records.find('Session', 'theirs')).to.include({ accountId: 'admin' });
  });

  it('gives back the id it left out of a token record', async () => {
    const records = protectRecords(store.oidc, createRecordProtection([key]));
    await records.upsert('RefreshToken', token, { jti: token, grantId: 'g', kind: 'RefreshToken' }, 60);
    expect(await records.find('RefreshToken', token)).to.deep.equal({ jti: token, grantId: 'g', kind: 'RefreshToken' });
    await records.upsert('Grant', 'grant-id', { jti: 'grant-id', accountId: 'ada', clientId: 'app' }, 60);
    expect(await records.find('Grant', 'grant-id')).to.deep.equal({ jti: 'grant-id', accountId: 'ada', clientId: 'app' });
  });
});
