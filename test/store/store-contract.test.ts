// One contract, proven for every store: the in-memory one, Redis standalone, and Redis Cluster
// (a single cluster-mode node, which refuses cross-slot commands like a real cluster).
import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { errors } from 'oidc-provider';
import { createRecordProtection } from '../../server/crypto/record-protection.ts';
import { createAdapter } from '../../server/provider/adapter.ts';
import { protectRecords } from '../../server/provider/records.ts';
import { createMemoryStore } from '../../server/store/memory/index.ts';
import { COMMAND_TIMEOUT_MS, connect } from '../../server/store/redis/connect.ts';
import { createRedisStore } from '../../server/store/redis/index.ts';
import type { Store } from '../../server/store/types.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { startSentinel, type Replicated } from '../support/redis-topologies.ts';

interface Harness {
  store: Store;
  /** Lets a 1-second TTL run out. */
  elapse(): Promise<void>;
  /** What the store holds, counted like Redis keys. */
  footprint(): Promise<number>;
  /** Starts counting the commands clients send (not those scripts run) that touch our keys. */
  countCommands?(): Promise<{ stop(): Promise<string[]> }>;
  /** Key names relative to the prefix, when the store has them (Redis). */
  keys?(): Promise<string[]>;
  dispose(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function contract(name: string, makeStore: () => Promise<Harness>): void {
  describe(`store contract: ${name}`, function () {
    let h: Harness;
    beforeEach(async () => {
      h = await makeStore();
    });
    afterEach(async () => {
      await h.dispose();
    });

    const token = (grantId: string, extra: Record<string, unknown> = {}) => ({ grantId, clientId: 'app', ...extra });

    describe('oidc records', () => {
      it('round-trips a payload by model and id', async () => {
        const payload = { jti: 'a1', accountId: 'u1', scope: 'openid', nested: { list: [1, 'two'] } };
        await h.store.oidc.upsert('AccessToken', 'a1', payload, 60);
        expect(await h.store.oidc.find('AccessToken', 'a1')).to.deep.equal(payload);
        expect(await h.store.oidc.find('RefreshToken', 'a1')).to.equal(undefined);
        expect(await h.store.oidc.find('AccessToken', 'nope')).to.equal(undefined);
        await h.store.oidc.upsert('AccessToken', 'a1', { jti: 'a1', scope: 'email' }, 60);
        expect(await h.store.oidc.find('AccessToken', 'a1')).to.deep.equal({ jti: 'a1', scope: 'email' });
      });

      it('honours expiresIn, and keeps records without one', async () => {
        await h.store.oidc.upsert('AccessToken', 'short', token('g1'), 1);
        await h.store.oidc.upsert('Session', 's1', { uid: 'u-1' }, 1);
        await h.store.oidc.upsert('DeviceCode', 'd1', { userCode: 'ABCD-EFGH' }, 1);
        await h.store.oidc.upsert('Client', 'forever', { clientId: 'forever' });
        await h.elapse();
        expect(await h.store.oidc.find('AccessToken', 'short')).to.equal(undefined);
        expect(await h.store.oidc.findByUid('Session', 'u-1')).to.equal(undefined);
        expect(await h.store.oidc.findByUserCode('DeviceCode', 'ABCD-EFGH')).to.equal(undefined);
        expect(await h.store.oidc.find('Client', 'forever')).to.deep.equal({ clientId: 'forever' });
        // Indexes and the grant set expired with their records: only the client is left.
        expect(await h.footprint()).to.equal(1);
      });

      it('finds a Session by uid and a DeviceCode by user code, until destroyed', async () => {
        await h.store.oidc.upsert('Session', 's1', { jti: 's1', uid: 'u-1', accountId: 'a' }, 60);
        await h.store.oidc.upsert('DeviceCode', 'd1', { jti: 'd1', userCode: 'WXYZ-1234' }, 60);
        expect(await h.store.oidc.findByUid('Session', 'u-1')).to.include({ jti: 's1', accountId: 'a' });
        expect(await h.store.oidc.findByUserCode('DeviceCode', 'WXYZ-1234')).to.include({ jti: 'd1' });
        expect(await h.store.oidc.findByUid('Interaction', 'u-1')).to.equal(undefined);
        expect(await h.store.oidc.findByUid('Session', 'other')).to.equal(undefined);
        await h.store.oidc.destroy('Session', 's1');
        await h.store.oidc.destroy('DeviceCode', 'd1');
        await h.store.oidc.destroy('DeviceCode', 'never-existed');
        expect(await h.store.oidc.findByUid('Session', 'u-1')).to.equal(undefined);
        expect(await h.store.oidc.findByUserCode('DeviceCode', 'WXYZ-1234')).to.equal(undefined);
        expect(await h.footprint()).to.equal(0);
      });

      it('keeps the uid index of a Session saved under a new id when the old id is destroyed', async () => {
        await h.store.oidc.upsert('Session', 'old', { jti: 'old', uid: 'u-1' }, 60);
        await h.store.oidc.upsert('Session', 'new', { jti: 'new', uid: 'u-1' }, 60);
        await h.store.oidc.destroy('Session', 'old');
        expect(await h.store.oidc.findByUid('Session', 'u-1')).to.include({ jti: 'new' });
        await h.store.oidc.destroy('Session', 'new');
        expect(await h.footprint()).to.equal(0);
      });
    });

    describe('consume', () => {
      it('sets consumed once, keeps the record and its TTL', async () => {
        await h.store.oidc.upsert('AuthorizationCode', 'c1', token('g1'), 1);
        const before = Math.floor(Date.now() / 1000);
        expect(await h.store.oidc.consume('AuthorizationCode', 'c1')).to.equal(true);
        const found = await h.store.oidc.find('AuthorizationCode', 'c1');
        expect(found).to.include({ grantId: 'g1' });
        expect(found?.consumed).to.be.a('number').within(before - 1, before + 2);
        expect(await h.store.oidc.consume('AuthorizationCode', 'c1')).to.equal(false);
        expect(await h.store.oidc.consume('AuthorizationCode', 'missing')).to.equal(false);
        await h.elapse();
        expect(await h.store.oidc.find('AuthorizationCode', 'c1')).to.equal(undefined);
        expect(await h.store.oidc.consume('AuthorizationCode', 'c1')).to.equal(false);
        expect(await h.footprint()).to.equal(0);
      });

      it('lets exactly one of 50 concurrent consumers win', async () => {
        await h.store.oidc.upsert('RefreshToken', 'r1', token('g1'), 60);
        const results = await Promise.all(Array.from({ length: 50 }, () => h.store.oidc.consume('RefreshToken', 'r1')));
        expect(results.filter(Boolean)).to.have.length(1);
      });

      it('through the adapter: one resolves, 49 reject with invalid_grant', async () => {
        const adapter = createAdapter(protectRecords(h.store.oidc, createRecordProtection([randomBytes(32)])))('AuthorizationCode');
        await adapter.upsert('c1', { grantId: 'g1', clientId: 'app' }, 60);
        const settled = await Promise.allSettled(Array.from({ length: 50 }, () => adapter.consume('c1')));
        expect(settled.filter((s) => s.status === 'fulfilled')).to.have.length(1);
        const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
        expect(rejected).to.have.length(49);
        for (const { reason } of rejected) {
          expect(reason).to.be.instanceOf(errors.InvalidGrant);
          expect(reason).to.include({ error: 'invalid_grant', statusCode: 400 });
        }
        expect(await adapter.find('c1')).to.have.property('consumed').that.is.a('number');
      });

      it('through the adapter: a reused PAR is an invalid_request_uri', async () => {
        const adapter = createAdapter(protectRecords(h.store.oidc, createRecordProtection([randomBytes(32)])))('PushedAuthorizationRequest');
        await adapter.upsert('p1', { clientId: 'app' }, 60);
        await adapter.consume('p1');
        const error = await adapter.consume('p1').then(() => undefined, (e: unknown) => e);
        expect(error).to.be.instanceOf(errors.InvalidRequestUri);
        expect(error).to.include({ error: 'invalid_request_uri', statusCode: 400 });
      });
    });

    describe('revokeByGrantId', () => {
      async function seed(grantId: string) {
        await h.store.oidc.upsert('AccessToken', `at-${grantId}`, token(grantId), 60);
        await h.store.oidc.upsert('RefreshToken', `rt-${grantId}`, token(grantId), 120);
        await h.store.oidc.upsert('AuthorizationCode', `ac-${grantId}`, token(grantId), 10);
        await h.store.oidc.upsert('DeviceCode', `dc-${grantId}`, token(grantId, { userCode: `UC-${grantId}` }), 10);
      }

      it('removes every record of every model of the grant, and nothing of other grants', async () => {
        await seed('gA');
        await seed('gB');
        const footprintOfOne = (await h.footprint()) / 2; // 4 records, 1 user-code index, 1 grant set
        expect(footprintOfOne).to.equal(6);
        await h.store.oidc.revokeByGrantId('gA');
        for (const [model, id] of [['AccessToken', 'at'], ['RefreshToken', 'rt'], ['AuthorizationCode', 'ac'], ['DeviceCode', 'dc']]) {
          expect(await h.store.oidc.find(model!, `${id}-gA`), `${model} of gA`).to.equal(undefined);
          expect(await h.store.oidc.find(model!, `${id}-gB`), `${model} of gB`).to.include({ grantId: 'gB' });
        }
        expect(await h.store.oidc.findByUserCode('DeviceCode', 'UC-gA')).to.equal(undefined);
        expect(await h.store.oidc.findByUserCode('DeviceCode', 'UC-gB')).to.include({ grantId: 'gB' });
        expect(await h.footprint()).to.equal(6);
        if (h.keys) {
          expect((await h.keys()).sort()).to.deep.equal([
            'AccessToken:{at-gB}', 'AuthorizationCode:{ac-gB}', 'DeviceCode:userCode:{UC-gB}',
            'DeviceCode:{dc-gB}', 'RefreshToken:{rt-gB}', 'grant:{gB}',
          ]);
        }
        await h.store.oidc.revokeByGrantId('gA');
        await h.store.oidc.revokeByGrantId('unknown');
        await h.store.oidc.revokeByGrantId('gB');
        expect(await h.footprint()).to.equal(0);
      });

      it('tolerates members that expired or were destroyed first', async () => {
        await h.store.oidc.upsert('AccessToken', 'short', token('g1'), 1);
        await h.store.oidc.upsert('RefreshToken', 'long', token('g1'), 60);
        await h.store.oidc.upsert('AuthorizationCode', 'gone', token('g1'), 60);
        await h.store.oidc.destroy('AuthorizationCode', 'gone');
        await h.elapse();
        expect(await h.footprint()).to.equal(2); // the refresh token and the grant set
        await h.store.oidc.revokeByGrantId('g1');
        expect(await h.footprint()).to.equal(0);
      });

      it('leaves no grant set behind once every member is destroyed', async () => {
        await h.store.oidc.upsert('AccessToken', 'a', token('g1'), 60);
        await h.store.oidc.upsert('RefreshToken', 'r', token('g1'));
        await h.store.oidc.destroy('AccessToken', 'a');
        await h.store.oidc.destroy('RefreshToken', 'r');
        expect(await h.footprint()).to.equal(0);
      });
    });

    describe('owner indexes', () => {
      const ids = async (owner: string) => (await h.store.oidc.owned(owner)).map((r) => `${r.model}/${r.id}`).sort();

      it('lists the live records of an owner, of any model, and only theirs', async () => {
        await h.store.oidc.upsert('Grant', 'g1', { jti: 'g1', owners: ['account:a', 'client:c'] }, 60);
        await h.store.oidc.upsert('Session', 's1', { jti: 's1', uid: 'u1', owners: ['account:a'] }, 60);
        await h.store.oidc.upsert('Grant', 'g2', { jti: 'g2', owners: ['account:b', 'client:c'] }, 60);
        await h.store.oidc.upsert('AccessToken', 't1', { jti: 't1', grantId: 'g1' }, 60);
        expect(await ids('account:a')).to.deep.equal(['Grant/g1', 'Session/s1']);
        expect(await ids('account:b')).to.deep.equal(['Grant/g2']);
        expect(await ids('client:c')).to.deep.equal(['Grant/g1', 'Grant/g2']);
        expect(await ids('account:nobody')).to.deep.equal([]);
        // Re-saving a record does not list it twice.
        await h.store.oidc.upsert('Session', 's1', { jti: 's1', uid: 'u1', owners: ['account:a'] }, 60);
        expect(await ids('account:a')).to.deep.equal(['Grant/g1', 'Session/s1']);
      });

      it('forgets a record once it is destroyed or revoked with its grant, and leaves no key behind', async () => {
        await h.store.oidc.upsert('Session', 's1', { jti: 's1', owners: ['account:a'] }, 60);
        await h.store.oidc.upsert('AuthorizationCode', 'c1', { jti: 'c1', grantId: 'g1', owners: ['account:a'] }, 60);
        await h.store.oidc.destroy('Session', 's1');
        expect(await ids('account:a')).to.deep.equal(['AuthorizationCode/c1']);
        await h.store.oidc.revokeByGrantId('g1');
        expect(await ids('account:a')).to.deep.equal([]);
        expect(await h.footprint()).to.equal(0);
      });

      it('expires with its members: a short-lived member drops out, the index goes with the last', async () => {
        await h.store.oidc.upsert('Session', 'short', { jti: 'short', owners: ['account:a'] }, 1);
        await h.store.oidc.upsert('Grant', 'long', { jti: 'long', owners: ['account:a'] }, 3);
        await h.elapse();
        expect(await ids('account:a')).to.deep.equal(['Grant/long']);
        expect(await h.footprint(), 'the grant and its owner index').to.equal(2);
        await h.elapse();
        await h.elapse();
        expect(await ids('account:a')).to.deep.equal([]);
        expect(await h.footprint()).to.equal(0);
      });
    });

    describe('estimated owned records (the sessions gauge)', () => {
      it('counts the live records of the model listed under an owner, and nothing else: exactly in memory, closely on Redis', async () => {
        const signedIn = 40;
        await Promise.all(Array.from({ length: signedIn }, (_, i) => h.store.oidc.upsert('Session', `s${i}`, { uid: `u${i}`, owners: [`account:a${i}`] }, 60)));
        // Not counted: sessions nobody signed in to, a session that expired, other models an
        // owner lists (a Grant), the sessions' uid indexes, tokens.
        await Promise.all(Array.from({ length: 10 }, (_, i) => h.store.oidc.upsert('Session', `anonymous${i}`, { uid: `v${i}` }, 60)));
        await h.store.oidc.upsert('Session', 'expiring', { uid: 'w', owners: ['account:w'] }, 1);
        await Promise.all(Array.from({ length: 20 }, (_, i) => h.store.oidc.upsert('Grant', `g${i}`, { jti: `g${i}`, owners: [`account:a${i}`, 'client:c'] }, 60)));
        await Promise.all(Array.from({ length: 20 }, (_, i) => h.store.oidc.upsert('AccessToken', `t${i}`, token(`g${i}`), 60)));
        await h.elapse();
        const estimate = await h.store.oidc.estimateOwned('Session');
        // On Redis: a sample of 1000 keys out of a few hundred (these, and what other tests left
        // under their own prefixes) is off by a few percent at most; 25 % is about 4 sigma.
        if (h.store.kind === 'memory') expect(estimate).to.equal(signedIn);
        else expect(estimate).to.be.within(signedIn * 0.75, signedIn * 1.25);
        expect(await h.store.oidc.estimateOwned('Grant')).to.be.greaterThan(0);
        expect(await h.store.oidc.estimateOwned('AccessToken')).to.equal(0);
        await Promise.all(Array.from({ length: signedIn }, (_, i) => h.store.oidc.destroy('Session', `s${i}`)));
        expect(await h.store.oidc.estimateOwned('Session')).to.equal(0);
      });
    });

    describe('live members of a grant', () => {
      it('counts the unexpired, unconsumed records of a grant, and nothing of other grants', async () => {
        await h.store.oidc.upsert('AccessToken', 'a1', token('g1'), 60);
        await h.store.oidc.upsert('RefreshToken', 'r1', token('g1'), 60);
        await h.store.oidc.upsert('AuthorizationCode', 'c1', token('g1'), 60);
        await h.store.oidc.upsert('AccessToken', 'other', token('g2'), 60);
        expect(await h.store.oidc.liveMembers('g1')).to.equal(3);
        // A used code or a rotated refresh token no longer works: it is not counted.
        await h.store.oidc.consume('AuthorizationCode', 'c1');
        expect(await h.store.oidc.liveMembers('g1')).to.equal(2);
        await h.store.oidc.destroy('AccessToken', 'a1');
        expect(await h.store.oidc.liveMembers('g1')).to.equal(1);
        expect(await h.store.oidc.liveMembers('nothing')).to.equal(0);
      });

      it('stops counting a member once it expires', async () => {
        await h.store.oidc.upsert('AccessToken', 'short', token('g1'), 1);
        await h.store.oidc.upsert('RefreshToken', 'long', token('g1'), 60);
        expect(await h.store.oidc.liveMembers('g1')).to.equal(2);
        await h.elapse();
        expect(await h.store.oidc.liveMembers('g1')).to.equal(1);
      });
    });

    describe('feeds', () => {
      it('reads the newest items first, at most the limit asked', async () => {
        for (const item of ['one', 'two', 'three']) await h.store.feeds.push('f', item, { max: 10, ttlSeconds: 60 });
        expect(await h.store.feeds.read('f', 10)).to.deep.equal(['three', 'two', 'one']);
        expect(await h.store.feeds.read('f', 2)).to.deep.equal(['three', 'two']);
        expect(await h.store.feeds.read('empty', 5)).to.deep.equal([]);
      });

      it('keeps at most max items, dropping the oldest', async () => {
        for (let i = 1; i <= 5; i++) await h.store.feeds.push('f', `item ${i}`, { max: 3, ttlSeconds: 60 });
        expect(await h.store.feeds.read('f', 10)).to.deep.equal(['item 5', 'item 4', 'item 3']);
        expect(await h.footprint(), 'one key for the feed').to.equal(1);
      });

      it('disappears once its lifetime passes with nothing pushed, alone', async () => {
        await h.store.feeds.push('f', 'old', { max: 3, ttlSeconds: 1 });
        await h.store.feeds.push('g', 'kept', { max: 3, ttlSeconds: 60 });
        await h.elapse();
        expect(await h.store.feeds.read('f', 10)).to.deep.equal([]);
        expect(await h.store.feeds.read('g', 10)).to.deep.equal(['kept']);
        expect(await h.footprint()).to.equal(1);
      });
    });

    describe('risk histories', () => {
      const bounds = { ttlSeconds: 60, maxBytes: 1024 };
      it('keeps one history per account and the prior, each as given', async () => {
        expect(await h.store.risk.get('a')).to.equal(undefined);
        expect(await h.store.risk.getPrior()).to.equal(undefined);
        await h.store.risk.put('a', '{"n":1}', bounds);
        await h.store.risk.put('b', '{"n":2}', bounds);
        await h.store.risk.put('a', '{"n":3}', bounds);
        await h.store.risk.putPrior('{"n":40}', { maxBytes: 1024 });
        expect(await h.store.risk.get('a')).to.equal('{"n":3}');
        expect(await h.store.risk.get('b')).to.equal('{"n":2}');
        expect(await h.store.risk.getPrior()).to.equal('{"n":40}');
        expect(await h.footprint(), 'a key per history and one for the prior').to.equal(3);
      });

      it('refuses a document over its byte bound, changing nothing', async () => {
        await h.store.risk.put('a', 'small', bounds);
        const big = 'é'.repeat(600); // 1,200 bytes in 600 characters: bytes are what count
        const refused = await h.store.risk.put('a', big, bounds).then(() => undefined, (e: unknown) => e);
        expect(refused).to.be.instanceOf(RangeError);
        expect(await h.store.risk.get('a')).to.equal('small');
        const prior = await h.store.risk.putPrior(big, { maxBytes: 1024 }).then(() => undefined, (e: unknown) => e);
        expect(prior).to.be.instanceOf(RangeError);
        expect(await h.store.risk.getPrior()).to.equal(undefined);
      });

      it('forgets a history not written for its lifetime, each write extending it; the prior stays', async () => {
        await h.store.risk.put('old', 'x', { ttlSeconds: 1, maxBytes: 1024 });
        await h.store.risk.put('kept', 'y', { ttlSeconds: 1, maxBytes: 1024 });
        await h.store.risk.put('kept', 'z', bounds);
        await h.store.risk.putPrior('p', { maxBytes: 1024 });
        await h.elapse();
        expect(await h.store.risk.get('old')).to.equal(undefined);
        expect(await h.store.risk.get('kept')).to.equal('z');
        expect(await h.store.risk.getPrior()).to.equal('p');
        expect(await h.footprint()).to.equal(2);
      });
    });

    describe('streams', () => {
      const bounds = { maxEntries: 1000, maxAgeMs: 3_600_000 };
      const values = (entries: { value: string }[]) => entries.map((e) => e.value);

      it('appends in order with ids that sort by time, and reads newest first or after an id', async () => {
        const ids = await h.store.streams.append('s', ['one', 'two', 'three'], bounds);
        expect(ids).to.have.length(3);
        for (const id of ids) expect(id).to.match(/^\d+-\d+$/);
        expect(await h.store.streams.append('other', ['elsewhere'], bounds)).to.have.length(1);
        expect(values(await h.store.streams.newest('s', { limit: 10 }))).to.deep.equal(['three', 'two', 'one']);
        expect(values(await h.store.streams.newest('s', { limit: 2 }))).to.deep.equal(['three', 'two']);
        expect(values(await h.store.streams.newest('s', { before: ids[1]!, limit: 10 })), 'paging back').to.deep.equal(['one']);
        expect(values(await h.store.streams.after('s', ids[0]!, 10))).to.deep.equal(['two', 'three']);
        expect(values(await h.store.streams.after('s', '0', 1))).to.deep.equal(['one']);
        expect(await h.store.streams.after('s', ids[2]!, 10)).to.deep.equal([]);
        expect(await h.store.streams.newest('nothing', { limit: 5 })).to.deep.equal([]);
        expect(await h.store.streams.length('s')).to.equal(3);
      });

      it('reads by time: since and until, both included', async () => {
        await h.store.streams.append('t', ['early'], bounds);
        await h.elapse();
        const [middle] = await h.store.streams.append('t', ['middle'], bounds);
        const at = Number(middle!.split('-')[0]);
        await h.elapse();
        await h.store.streams.append('t', ['late'], bounds);
        expect(values(await h.store.streams.newest('t', { since: at, until: at, limit: 10 }))).to.deep.equal(['middle']);
        expect(values(await h.store.streams.newest('t', { since: at, limit: 10 }))).to.deep.equal(['late', 'middle']);
        expect(values(await h.store.streams.newest('t', { until: at, limit: 10 }))).to.deep.equal(['middle', 'early']);
      });

      it('keeps at most maxEntries, the newest', async () => {
        for (let i = 0; i < 5; i++) await h.store.streams.append('c', [`a${i}`, `b${i}`], { maxEntries: 3, maxAgeMs: 3_600_000 });
        expect(await h.store.streams.length('c')).to.equal(3);
        expect(values(await h.store.streams.newest('c', { limit: 10 }))).to.deep.equal(['b4', 'a4', 'b3']);
      });

      it('gives each new entry to one consumer of a group, keeps it pending until acknowledged, and lets another claim what stayed too long', async () => {
        await h.store.streams.append('g', ['before the group'], bounds);
        const group = await h.store.streams.group('g', 'hooks');
        expect(await group.read('a', 10), 'a group starts from the next entry').to.deep.equal([]);
        await h.store.streams.append('g', ['one', 'two', 'three'], bounds);
        expect(values(await group.read('a', 2))).to.deep.equal(['one', 'two']);
        expect(values(await group.read('b', 10)), 'each entry once').to.deep.equal(['three']);
        expect(await group.read('a', 10)).to.deep.equal([]);
        const again = await h.store.streams.group('g', 'hooks');
        expect(await again.read('c', 10), 'the same group, not a new one').to.deep.equal([]);
        expect(await group.claim('b', 60_000, 10), 'nothing idle that long').to.deep.equal([]);
        await h.elapse();
        const claimed = await group.claim('b', 500, 10);
        expect(values(claimed)).to.deep.equal(['one', 'two', 'three']);
        await group.ack(claimed.slice(0, 2).map((e) => e.id));
        await h.elapse();
        expect(values(await group.claim('c', 500, 10)), 'acknowledged entries are done').to.deep.equal(['three']);
        const other = await h.store.streams.group('g', 'another');
        await h.store.streams.append('g', ['four'], bounds);
        expect(values(await other.read('a', 10)), 'groups are independent').to.deep.equal(['four']);
        expect(values(await group.read('a', 10))).to.deep.equal(['four']);
      });

      it('drops entries older than maxAgeMs on the next append', async () => {
        await h.store.streams.append('a', ['old'], { maxEntries: 100, maxAgeMs: 500 });
        await h.elapse();
        await h.store.streams.append('a', ['new'], { maxEntries: 100, maxAgeMs: 500 });
        expect(values(await h.store.streams.newest('a', { limit: 10 }))).to.deep.equal(['new']);
      });
    });

    describe('read-ahead', () => {
      const linked = (grantId: string, sub: string) => ({
        ...token(grantId, { accountId: sub }),
        readWith: { records: [{ model: 'Grant', id: grantId }], documents: [{ collection: 'users', id: sub }] },
      });

      it('answers inside a request exactly what it answers outside, and never returns the hint', async () => {
        await h.store.oidc.upsert('Grant', 'g1', { jti: 'g1', accountId: 'u1', openid: { scope: 'openid' } }, 60);
        await h.store.documents.put('users', 'u1', '{"sub":"u1"}');
        await h.store.oidc.upsert('AccessToken', 't1', linked('g1', 'u1'), 60);
        const outside = await h.store.oidc.find('AccessToken', 't1');
        expect(outside).to.deep.equal({ grantId: 'g1', clientId: 'app', accountId: 'u1' });
        await h.store.readAhead(async () => {
          expect(await h.store.oidc.find('AccessToken', 't1')).to.deep.equal(outside);
          expect(await h.store.oidc.find('Grant', 'g1')).to.deep.equal({ jti: 'g1', accountId: 'u1', openid: { scope: 'openid' } });
          expect(await h.store.documents.get('users', 'u1')).to.equal('{"sub":"u1"}');
          expect(await h.store.oidc.find('Grant', 'other')).to.equal(undefined);
        });
      });

      it('sees, within the request, what the request itself changes', async () => {
        await h.store.oidc.upsert('Grant', 'g2', { jti: 'g2', v: 1 }, 60);
        await h.store.documents.put('users', 'u2', 'first');
        await h.store.oidc.upsert('RefreshToken', 'r2', linked('g2', 'u2'), 60);
        await h.store.readAhead(async () => {
          await h.store.oidc.find('RefreshToken', 'r2');
          await h.store.oidc.upsert('Grant', 'g2', { jti: 'g2', v: 2 }, 60);
          expect(await h.store.oidc.find('Grant', 'g2')).to.deep.equal({ jti: 'g2', v: 2 });
          await h.store.documents.put('users', 'u2', 'second');
          expect(await h.store.documents.get('users', 'u2')).to.equal('second');
          expect(await h.store.oidc.consume('RefreshToken', 'r2')).to.equal(true);
          expect((await h.store.oidc.find('RefreshToken', 'r2'))?.consumed).to.be.a('number');
          await h.store.oidc.revokeByGrantId('g2');
          expect(await h.store.oidc.find('RefreshToken', 'r2')).to.equal(undefined);
        });
        // A grant removed behind the request's back after it ended is gone for the next one.
        await h.store.oidc.upsert('Grant', 'g3', { jti: 'g3' }, 60);
        await h.store.oidc.upsert('AccessToken', 't3', linked('g3', 'u2'), 60);
        await h.store.readAhead(() => h.store.oidc.find('AccessToken', 't3'));
        await h.store.oidc.destroy('Grant', 'g3');
        await h.store.readAhead(async () => {
          expect(await h.store.oidc.find('Grant', 'g3')).to.equal(undefined);
        });
      });

    });

    describe('documents', () => {
      const all = async (collection: string) => new Map((await h.store.documents.list(collection, { limit: 1000 })).items.map(({ id, value }) => [id, value]));

      it('gets, lists, puts, inserts and removes', async () => {
        const docs = h.store.documents;
        expect(await docs.get('users', 'u1')).to.equal(undefined);
        expect(await all('users')).to.deep.equal(new Map());
        await docs.put('users', 'u1', '{"email":"a@example.com"}');
        expect(await docs.insert('users', 'u2', '{"email":"b@example.com"}')).to.equal(true);
        expect(await docs.insert('users', 'u2', 'overwritten?')).to.equal(false);
        await docs.put('clients', 'u1', 'a different collection');
        expect(await docs.get('users', 'u2')).to.equal('{"email":"b@example.com"}');
        expect(await all('users')).to.deep.equal(
          new Map([['u1', '{"email":"a@example.com"}'], ['u2', '{"email":"b@example.com"}']]),
        );
        await docs.put('users', 'u1', 'replaced');
        expect(await docs.get('users', 'u1')).to.equal('replaced');
        expect(await docs.remove('users', 'u1')).to.equal(true);
        expect(await docs.remove('users', 'u1')).to.equal(false);
        expect(await docs.remove('users', 'u2')).to.equal(true);
        expect(await all('users')).to.deep.equal(new Map());
        expect(await h.footprint()).to.equal(2); // the clients document and its collection's index
      });

      it('lists a collection a page at a time, in bytewise id order, without repeating or skipping', async () => {
        const docs = h.store.documents;
        const ids = Array.from({ length: 23 }, (_, i) => `id-${String(i).padStart(2, '0')}`).concat(['Zed', 'a@b', 'é']);
        await Promise.all(ids.map((id) => docs.put('things', id, `v:${id}`)));
        await docs.put('others', 'not-listed', 'x');
        const seen: string[] = [];
        let after: string | undefined;
        let pages = 0;
        do {
          const page = await docs.list('things', { limit: 5, after });
          expect(page.items.length).to.be.at.most(5);
          for (const { id, value } of page.items) {
            seen.push(id);
            expect(value).to.equal(`v:${id}`);
          }
          after = page.next;
          pages++;
        } while (after !== undefined);
        const bytewise = [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
        expect(seen).to.deep.equal(bytewise);
        expect(pages).to.equal(6);
        await docs.remove('things', 'id-03');
        expect((await docs.list('things', { limit: 3 })).items.map((i) => i.id)).to.deep.equal(['Zed', 'a@b', 'id-00']);
        expect((await docs.list('things', { limit: 3, after: 'id-02' })).items.map((i) => i.id)).to.deep.equal(['id-04', 'id-05', 'id-06']);
      });
    });

    describe('fenced replace, locks and events', () => {
      it('replaces a document only over the exact value it was computed from', async () => {
        const docs = h.store.documents;
        await docs.put('keys', 'k', 'v1');
        expect(await docs.replace('keys', 'k', 'v0', 'stale writer')).to.equal(false);
        expect(await docs.get('keys', 'k')).to.equal('v1');
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => docs.replace('keys', 'k', 'v1', `w${i}`)));
        expect(results.filter(Boolean)).to.have.length(1);
        expect(await docs.replace('keys', 'absent', 'v1', 'x')).to.equal(false);
        expect(await docs.get('keys', 'absent')).to.equal(undefined);
        await docs.remove('keys', 'k');
      });

      it('grants a lock to one holder at a time, until released or expired', async () => {
        const tokens = await Promise.all(Array.from({ length: 10 }, () => h.store.locks.acquire('job', 1_000)));
        const holders = tokens.filter((t): t is string => t !== undefined);
        expect(holders).to.have.length(1);
        await h.store.locks.release('job', 'not the token');
        expect(await h.store.locks.acquire('job', 1_000)).to.equal(undefined);
        await h.store.locks.release('job', holders[0]!);
        const again = await h.store.locks.acquire('job', 1_000);
        expect(again).to.be.a('string');
        await h.elapse();
        expect(await h.store.locks.acquire('job', 1_000)).to.be.a('string');
      });

      it('delivers published events to subscribers until they unsubscribe', async () => {
        const seen: string[] = [];
        const unsubscribe = await h.store.events.subscribe('news', (message) => seen.push(message));
        await h.store.events.publish('news', 'one');
        await h.store.events.publish('other', 'not for us');
        for (let i = 0; i < 50 && seen.length < 1; i++) await sleep(10);
        expect(seen).to.deep.equal(['one']);
        await unsubscribe();
        await h.store.events.publish('news', 'two');
        await sleep(50);
        expect(seen).to.deep.equal(['one']);
      });
    });

    describe('limiters', () => {
      // Limiter windows run on the real clock in every store (rate-limiter-flexible's own).
      it('counts per name and key, atomically, and keeps counting past the budget', async () => {
        const a = h.store.limiter('test-a', { points: 3, durationSeconds: 60 });
        const b = h.store.limiter('test-b', { points: 3, durationSeconds: 60 });
        expect(await a.get('k1')).to.equal(undefined);
        const counts = await Promise.all(Array.from({ length: 50 }, () => a.consume('k1')));
        expect(counts.map((c) => c.consumed).sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
        const state = await a.get('k1');
        expect(state?.consumed).to.equal(50);
        expect(state?.msBeforeNext).to.be.within(50_000, 60_000);
        expect(await a.get('k2')).to.equal(undefined);
        expect(await b.get('k1')).to.equal(undefined);
        expect((await b.consume('k1', { points: 2 })).consumed).to.equal(2);
        if (h.keys) {
          const names = (await h.keys()).sort();
          expect(names).to.deep.equal(['limit:test-a:{k1}', 'limit:test-b:{k1}']);
        }
      });

      it('gives points back, forgets a key on delete, and the same name is the same counters', async () => {
        const a = h.store.limiter('test-c', { points: 5, durationSeconds: 60 });
        await a.consume('k');
        await a.consume('k');
        expect((await a.consume('k', { points: -1 })).consumed).to.equal(1);
        expect((await h.store.limiter('test-c', { points: 5, durationSeconds: 60 }).get('k'))?.consumed).to.equal(1);
        await a.delete('k');
        expect(await a.get('k')).to.equal(undefined);
        expect((await a.consume('k')).consumed).to.equal(1);
        await a.delete('never-seen');
      });

      it('ends a window after its duration; a window opened with its own duration keeps it', async () => {
        const short = h.store.limiter('test-d', { points: 1, durationSeconds: 1 });
        const long = h.store.limiter('test-e', { points: 1, durationSeconds: 60 });
        await short.consume('k');
        expect((await long.consume('k', { durationSeconds: 1 })).msBeforeNext).to.be.within(1, 1_000);
        // An open window keeps the duration it was opened with.
        expect((await long.consume('k', { durationSeconds: 30 })).msBeforeNext).to.be.at.most(1_000);
        await long.consume('other');
        await sleep(1_100);
        expect(await short.get('k')).to.equal(undefined);
        expect(await long.get('k')).to.equal(undefined);
        expect((await long.get('other'))?.consumed).to.equal(1);
        expect((await short.consume('k')).consumed).to.equal(1);
      });
    });

    it('answers a ping while open, and refuses one once closed', async () => {
      await h.store.ping();
      await h.store.close();
      const error = await h.store.ping().then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(Error);
    });
  });
}

contract('memory', async () => {
  let clock = Date.now();
  const store = createMemoryStore({ now: () => clock });
  return {
    store,
    elapse: async () => {
      clock += 1_001;
    },
    footprint: async () => store.size(),
    dispose: () => store.close(),
  };
});

/** Userinfo's lookups (token, grant, account) inside a request: one command when standalone, the
 * record then its grant and account together on a Cluster. */
function readAheadRoundTrips(makeStore: () => Promise<Harness>, cluster: boolean): void {
  it(`reads a token, its grant and its account in ${cluster ? 'two round trips' : 'one command'} inside a request, three outside`, async () => {
    const h = await makeStore();
    try {
      await h.store.oidc.upsert('Grant', 'g4', { jti: 'g4' }, 60);
      await h.store.documents.put('users', 'u4', 'account');
      await h.store.oidc.upsert('AccessToken', 't4', { grantId: 'g4', accountId: 'u4', readWith: { records: [{ model: 'Grant', id: 'g4' }], documents: [{ collection: 'users', id: 'u4' }] } }, 60);
      const lookups = async () => {
        await h.store.oidc.find('AccessToken', 't4');
        expect(await h.store.oidc.find('Grant', 'g4')).to.deep.equal({ jti: 'g4' });
        expect(await h.store.documents.get('users', 'u4')).to.equal('account');
      };
      // The first run loads the script into Redis (NOSCRIPT, then EVAL); count the next.
      await h.store.readAhead(lookups);
      let counting = await h.countCommands!();
      await h.store.readAhead(lookups);
      expect(await counting.stop()).to.deep.equal(cluster ? ['hmget', 'hmget', 'get'] : ['evalsha']);
      counting = await h.countCommands!();
      await lookups();
      expect(await counting.stop()).to.deep.equal(['hmget', 'hmget', 'get']);
    } finally {
      await h.dispose();
    }
  });
}

function redisHarness(server: () => TestRedis | Replicated, cluster: boolean): () => Promise<Harness> {
  return async () => {
    const keyPrefix = `latchkey-test:${randomUUID()}:`;
    const target = server();
    const sentinel = 'config' in target ? target.config : undefined;
    const store = await createRedisStore(
      sentinel ? { ...sentinel, keyPrefix } : cluster ? { clusterNodes: [(target as TestRedis).node], sentinelName: 'unused', keyPrefix } : { url: (target as TestRedis).url, sentinelName: 'unused', keyPrefix },
    );
    // A plain connection for inspection (to the master Sentinel names); the cluster's single node
    // holds every key.
    const inspector = sentinel ? new Redis({ sentinels: sentinel.sentinels, name: sentinel.sentinelName, maxRetriesPerRequest: 1 }) : new Redis((target as TestRedis).url, { maxRetriesPerRequest: 1 });
    const keys = async () => {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await inspector.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
        cursor = next;
        found.push(...batch.map((key) => key.slice(keyPrefix.length)));
      } while (cursor !== '0');
      return found;
    };
    return {
      store,
      elapse: async () => {
        await sleep(1_100);
      },
      footprint: async () => (await keys()).length,
      keys,
      async countCommands() {
        const monitor = await inspector.monitor();
        const seen: string[] = [];
        monitor.on('monitor', (_time: string, args: string[], source: string) => {
          if (source !== 'lua' && args.some((a) => a.startsWith(keyPrefix))) seen.push(args[0]!.toLowerCase());
        });
        return {
          async stop() {
            await sleep(50);
            monitor.disconnect();
            return seen;
          },
        };
      },
      dispose: async () => {
        await store.close();
        await inspector.quit();
      },
    };
  };
}

// Sentinel: one master, two replicas, three sentinels; the store finds the master through them.
describe('redis sentinel', function () {
  let sentinel: Replicated;
  before(async function () {
    this.timeout(30_000);
    if (process.env.TEST_REDIS_URL) this.skip();
    sentinel = await startSentinel();
  });
  after(async () => {
    await sentinel?.stop();
  });
  contract('redis sentinel', redisHarness(() => sentinel, false));
  readAheadRoundTrips(redisHarness(() => sentinel, false), false);
});

for (const cluster of [false, true]) {
  describe(cluster ? 'redis cluster' : 'redis', function () {
    let server: TestRedis;
    before(async function () {
      if (cluster && process.env.TEST_REDIS_URL) this.skip();
      server = await startRedis({ cluster });
    });
    after(async () => {
      await server?.stop();
    });
    contract(cluster ? 'redis cluster' : 'redis', redisHarness(() => server, cluster));
    readAheadRoundTrips(redisHarness(() => server, cluster), cluster);

    it('auto-pipelines, without an offline queue', () => {
      const { node, url } = server;
      const { client } = connect(cluster ? { clusterNodes: [node], sentinelName: 'unused', keyPrefix: 'x:' } : { url, sentinelName: 'unused', keyPrefix: 'x:' });
      const options = client.options as { enableAutoPipelining?: boolean; enableOfflineQueue?: boolean };
      expect(options.enableAutoPipelining).to.equal(true);
      expect(options.enableOfflineQueue).to.equal(false);
      client.disconnect();
    });

    it('moves documents from the old one-hash-per-collection layout to a key each, once', async () => {
      const keyPrefix = `legacy-${randomUUID()}:`;
      const writer = new Redis(server.url, { maxRetriesPerRequest: 1 });
      const config = cluster ? { clusterNodes: [server.node], sentinelName: 'unused', keyPrefix } : { url: server.url, sentinelName: 'unused', keyPrefix };
      try {
        await writer.hset(`${keyPrefix}docs:{users}`, 'sub-1', '{"email":"a@example.com"}', 'sub-2', '{"email":"b@example.com"}');
        await writer.hset(`${keyPrefix}docs:{user-emails}`, 'a@example.com', 'sub-1', 'b@example.com', 'sub-2');
        await writer.hset(`${keyPrefix}docs:{keys}`, 'signing', '{"version":3}');
        const store = await createRedisStore(config);
        try {
          expect(await store.documents.get('users', 'sub-2')).to.equal('{"email":"b@example.com"}');
          expect((await store.documents.list('user-emails', { limit: 10 })).items).to.deep.equal([
            { id: 'a@example.com', value: 'sub-1' },
            { id: 'b@example.com', value: 'sub-2' },
          ]);
          expect(await store.documents.get('keys', 'signing')).to.equal('{"version":3}');
          for (const legacy of ['users', 'user-emails', 'keys']) expect(await writer.exists(`${keyPrefix}docs:{${legacy}}`), legacy).to.equal(0);
          // A second start finds nothing to move and changes nothing.
          await store.documents.put('users', 'sub-2', 'changed since');
        } finally {
          await store.close();
        }
        const again = await createRedisStore(config);
        try {
          expect(await again.documents.get('users', 'sub-2')).to.equal('changed since');
        } finally {
          await again.close();
        }
      } finally {
        writer.disconnect();
      }
    });

    it('shares limiter counts between stores on one Redis (instances), under the key prefix', async () => {
      const keyPrefix = `shared-${randomUUID()}:`;
      const config = cluster ? { clusterNodes: [server.node], sentinelName: 'unused', keyPrefix } : { url: server.url, sentinelName: 'unused', keyPrefix };
      const [one, two] = await Promise.all([createRedisStore(config), createRedisStore(config)]);
      const inspector = new Redis(server.url, { maxRetriesPerRequest: 1 });
      try {
        const options = { points: 10, durationSeconds: 60 };
        await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).limiter('failures', options).consume('ip-1')));
        expect((await one.limiter('failures', options).get('ip-1'))?.consumed).to.equal(20);
        expect((await two.limiter('failures', options).get('ip-1'))?.consumed).to.equal(20);
        expect(await inspector.keys(`${keyPrefix}*`)).to.deep.equal([`${keyPrefix}limit:failures:{ip-1}`]);
        expect(await inspector.pttl(`${keyPrefix}limit:failures:{ip-1}`)).to.be.within(50_000, 60_000);
      } finally {
        inspector.disconnect();
        await Promise.all([one.close(), two.close()]);
      }
    });

    it('runs its scripts again after Redis forgets them (restart, failover, SCRIPT FLUSH)', async () => {
      const { store, dispose } = await redisHarness(() => server, cluster)();
      const flusher = new Redis(server.url, { maxRetriesPerRequest: 1 });
      try {
        const grantId = randomUUID();
        await store.oidc.upsert('RefreshToken', 'a', { grantId, jti: 'a' }, 60);
        await flusher.script('FLUSH');
        // Every script store calls on a hot path, each first answered NOSCRIPT.
        await store.oidc.upsert('RefreshToken', 'b', { grantId, jti: 'b' }, 60);
        await flusher.script('FLUSH');
        expect(await store.oidc.consume('RefreshToken', 'b')).to.equal(true);
        await flusher.script('FLUSH');
        await store.oidc.destroy('RefreshToken', 'a');
        await flusher.script('FLUSH');
        expect(await store.documents.insert('things', 'x', 'one')).to.equal(true);
        await flusher.script('FLUSH');
        await store.documents.put('things', 'y', 'one');
        await flusher.script('FLUSH');
        expect(await store.documents.remove('things', 'y')).to.equal(true);
        await flusher.script('FLUSH');
        expect(await store.documents.replace('things', 'x', 'one', 'two')).to.equal(true);
        await flusher.script('FLUSH');
        expect((await store.limiter('after-flush', { points: 1, durationSeconds: 60 }).consume('k')).consumed).to.equal(1);
        await flusher.script('FLUSH');
        await store.oidc.revokeByGrantId(grantId);
        expect(await store.oidc.find('RefreshToken', 'a')).to.equal(undefined);
        expect(await store.oidc.find('RefreshToken', 'b')).to.equal(undefined);
        expect(await store.documents.get('things', 'x')).to.equal('two');
      } finally {
        flusher.disconnect();
        await dispose();
      }
    });
  });
}

describe('redis store when Redis is down', function () {
  // These stop the server, so they need one of their own.
  beforeEach(function () {
    if (process.env.TEST_REDIS_URL) this.skip();
  });

  it('fails fast instead of hanging', async function () {
    const server = await startRedis();
    const store = await createRedisStore(
      { url: server.url, sentinelName: 'unused', keyPrefix: `t:${randomUUID()}:` },
      { onError: () => {} }, // reconnect attempts are expected here
    );
    try {
      await store.ping();
      await server.stop();
      const started = Date.now();
      const failures = await Promise.allSettled([store.ping(), store.oidc.find('AccessToken', 'x'), store.documents.get('users', 'u')]);
      expect(failures.map((f) => f.status)).to.deep.equal(['rejected', 'rejected', 'rejected']);
      expect(Date.now() - started).to.be.below(3_000);
    } finally {
      await store.close();
    }
  });

  it('fails within the command timeout when Redis hangs, and recovers when it answers again', async function () {
    this.timeout(30_000);
    const server = await startRedis();
    const store = await createRedisStore(
      { url: server.url, sentinelName: 'unused', keyPrefix: `t:${randomUUID()}:` },
      { onError: () => {} },
    );
    try {
      await store.documents.put('things', 'x', 'one');
      server.freeze!(); // keeps the connection open but answers nothing
      const started = Date.now();
      const failures = await Promise.allSettled([store.ping(), store.oidc.find('AccessToken', 'x'), store.documents.get('things', 'x')]);
      expect(failures.map((f) => f.status)).to.deep.equal(['rejected', 'rejected', 'rejected']);
      expect(Date.now() - started).to.be.within(COMMAND_TIMEOUT_MS - 100, COMMAND_TIMEOUT_MS + 2_000);
      // The ping gives up sooner (readiness answers within a second); the others are 503s.
      expect(failures.slice(1).map((f) => (f.status === 'rejected' ? (f.reason as Error).name : 'fulfilled'))).to.deep.equal(Array(2).fill('StoreUnavailableError'));
      server.thaw!();
      let value: string | undefined;
      for (const deadline = Date.now() + 10_000; Date.now() < deadline && value === undefined; ) {
        value = await store.documents.get('things', 'x').catch(() => undefined);
        if (value === undefined) await sleep(200);
      }
      expect(value).to.equal('one');
    } finally {
      server.thaw!();
      await store.close();
      await server.stop();
    }
  });

  it('refuses to open when Redis cannot be reached', async () => {
    const server = await startRedis();
    await server.stop(); // its port is now (almost certainly) closed
    const error = await createRedisStore({ url: server.url, sentinelName: 'unused', keyPrefix: 't:' }, { onError: () => {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(Error).with.property('message').that.matches(/cannot connect to Redis/);
  });
});
