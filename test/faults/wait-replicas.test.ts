// REDIS_WAIT_REPLICAS: a consume answers only once the replicas have the consumed mark (WAIT),
// or after the timeout with a warning; on Sentinel (a master and two replicas).
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createRedisStore } from '../../server/store/redis/index.ts';
import type { Store } from '../../server/store/types.ts';
import { startSentinel, type Replicated } from '../support/redis-topologies.ts';

describe('faults: REDIS_WAIT_REPLICAS on Sentinel', function () {
  this.timeout(30_000);
  let sentinel: Replicated;
  before(async () => {
    sentinel = await startSentinel();
  });
  after(async () => {
    for (const node of sentinel.nodes) node.thaw!();
    await sentinel.stop();
  });

  async function open(replicas: number, timeoutMs: number, warnings: Error[] = []) {
    const keyPrefix = `w${randomUUID()}:`;
    const store = await createRedisStore({ ...sentinel.config, keyPrefix, waitReplicas: { replicas, timeoutMs } }, { onError: (e) => warnings.push(e) });
    return { store, keyPrefix };
  }
  const replicas = () => sentinel.nodes.slice(1);

  it('answers a consume once both replicas hold the consumed mark', async () => {
    const { store, keyPrefix } = await open(2, 1_000);
    const readers = replicas().map((node) => new Redis(node.url));
    try {
      await store.oidc.upsert('RefreshToken', 'r1', { jti: 'r1', grantId: 'g' }, 60);
      expect(await store.oidc.consume('RefreshToken', 'r1')).to.equal(true);
      // Read at once, on each replica: the mark is already there.
      const marks = await Promise.all(readers.map((r) => r.hget(`${keyPrefix}RefreshToken:{r1}`, 'consumed')));
      expect(marks.every((mark) => mark !== null), String(marks)).to.equal(true);
      expect(await store.oidc.consume('RefreshToken', 'r1')).to.equal(false);
    } finally {
      for (const r of readers) r.disconnect();
      await store.close();
    }
  });

  it('waits for the replicas: with one of them hung, a consume takes the timeout, still counts, and warns once', async () => {
    const warnings: Error[] = [];
    const { store } = await open(2, 300, warnings);
    const quick = await open(1, 300);
    try {
      await store.oidc.upsert('AuthorizationCode', 'c1', { jti: 'c1', grantId: 'g' }, 60);
      await store.oidc.upsert('AuthorizationCode', 'c2', { jti: 'c2', grantId: 'g' }, 60);
      await quick.store.oidc.upsert('AuthorizationCode', 'c3', { jti: 'c3', grantId: 'g' }, 60);
      replicas()[0]!.freeze!();
      let started = Date.now();
      expect(await store.oidc.consume('AuthorizationCode', 'c1')).to.equal(true);
      expect(Date.now() - started, 'waited for the second replica').to.be.within(250, 1_500);
      expect(await store.oidc.consume('AuthorizationCode', 'c2')).to.equal(true);
      expect(warnings.map((w) => w.message)).to.have.length(1);
      expect(warnings[0]!.message, warnings[0]!.message).to.match(/reached 1 of 2 replicas within 300 ms/);
      // One replica asked for: the other one answers, no wait.
      started = Date.now();
      expect(await quick.store.oidc.consume('AuthorizationCode', 'c3')).to.equal(true);
      expect(Date.now() - started).to.be.below(200);
    } finally {
      replicas()[0]!.thaw!();
      await store.close();
      await quick.store.close();
    }
  });
});
