// REDIS_WAIT_REPLICAS on a real Cluster (three masters, each with one replica): a consume is
// followed by WAIT on the node that owns the key's slot, so the answer waits for that master's
// replica, not for some other shard's. Freezing the key's own replica makes the consume take the
// timeout; freezing another shard's replica costs it nothing. Sent anywhere else, WAIT would wait
// on the wrong replica and one of the two would fail.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createRedisStore } from '../../server/store/redis/index.ts';
import type { TestRedis } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';
import { startCluster, type Replicated } from '../support/redis-topologies.ts';

type Shard = [number, number, [string, number, ...unknown[]], ...[string, number, ...unknown[]][]];

describe('faults: REDIS_WAIT_REPLICAS on Cluster', function () {
  this.timeout(60_000);
  let cluster: Replicated;
  let shards: { from: number; to: number; master: TestRedis; replica: TestRedis }[];
  before(async () => {
    cluster = await startCluster();
    const byPort = (port: number) => cluster.nodes.find((n) => n.node.port === port)!;
    const ask = new Redis(cluster.nodes[0]!.url);
    try {
      // CLUSTER SLOTS lists a replica once it is attached and in sync.
      const slots = await waitFor(() => ask.call('CLUSTER', 'SLOTS') as Promise<Shard[]>, (all) => all.length === 3 && all.every((s) => s.length >= 4), {
        within: 15_000,
        every: 100,
        what: 'every shard to list its replica',
      });
      shards = slots.map(([from, to, master, replica]) => ({ from, to, master: byPort(Number(master[1])), replica: byPort(Number(replica![1])) }));
    } finally {
      ask.disconnect();
    }
    expect(shards).to.have.length(3);
  });
  after(async () => {
    for (const node of cluster.nodes) node.thaw!();
    await cluster.stop();
  });

  async function slotOf(key: string): Promise<number> {
    const ask = new Redis(cluster.nodes[0]!.url);
    try {
      return (await ask.call('CLUSTER', 'KEYSLOT', key)) as number;
    } finally {
      ask.disconnect();
    }
  }
  const shardOf = (slot: number) => shards.find((s) => slot >= s.from && slot <= s.to)!;

  async function open(timeoutMs: number, warnings: Error[] = []) {
    const keyPrefix = `w${randomUUID()}:`;
    const store = await createRedisStore({ ...cluster.config, keyPrefix, waitReplicas: { replicas: 1, timeoutMs } }, { onError: (e) => warnings.push(e) });
    return { store, keyPrefix };
  }

  /** `count` record ids whose keys land on each of the three shards. */
  async function idsPerShard(keyPrefix: string, model: string, count = 1): Promise<Map<(typeof shards)[number], string[]>> {
    const found = new Map(shards.map((s) => [s, [] as string[]]));
    for (let i = 0; [...found.values()].some((ids) => ids.length < count) && i < 5000; i++) {
      const id = `${model.toLowerCase()}-${i}`;
      const ids = found.get(shardOf(await slotOf(`${keyPrefix}${model}:{${id}}`)))!;
      if (ids.length < count) ids.push(id);
    }
    expect([...found.values()].every((ids) => ids.length === count), 'ids on every shard').to.equal(true);
    return found;
  }

  it("answers a consume once the key's own replica holds the consumed mark, on every shard", async () => {
    const { store, keyPrefix } = await open(2_000);
    const ids = await idsPerShard(keyPrefix, 'RefreshToken');
    try {
      for (const [shard, [id]] of ids) {
        await store.oidc.upsert('RefreshToken', id!, { jti: id, grantId: 'g' }, 60);
        expect(await store.oidc.consume('RefreshToken', id!)).to.equal(true);
        // Read at once on that shard's replica (READONLY: a replica answers reads of its slots).
        const reader = new Redis(shard.replica.url);
        try {
          await reader.call('READONLY');
          expect(await reader.hget(`${keyPrefix}RefreshToken:{${id}}`, 'consumed'), `the mark on the replica of ${shard.master.node.port}`).to.not.equal(null);
        } finally {
          reader.disconnect();
        }
        expect(await store.oidc.consume('RefreshToken', id!)).to.equal(false);
      }
    } finally {
      await store.close();
    }
  });

  it("waits for the replica of the key's master: frozen, a consume on its shard takes the timeout and warns; the other shards' consumes do not wait", async () => {
    const warnings: Error[] = [];
    const { store, keyPrefix } = await open(400, warnings);
    // One round per shard (its replica frozen), each consuming one code on every shard: WAIT sent
    // to any node but the key's master would pass a round only by luck, and not all three.
    const ids = await idsPerShard(keyPrefix, 'AuthorizationCode', shards.length);
    try {
      for (const list of ids.values()) for (const id of list) await store.oidc.upsert('AuthorizationCode', id, { jti: id, grantId: 'g' }, 60);
      for (const [round, frozen] of shards.entries()) {
        frozen.replica.freeze!();
        try {
          for (const shard of shards) {
            const id = ids.get(shard)![round]!;
            const started = Date.now();
            expect(await store.oidc.consume('AuthorizationCode', id)).to.equal(true);
            const took = Date.now() - started;
            const where = `round ${round}, replica of ${frozen.master.node.port} frozen, code on ${shard.master.node.port}: ${took} ms`;
            if (shard === frozen) expect(took, `waited for the key's own replica (${where})`).to.be.within(350, 2_000);
            else expect(took, `another shard's replica answered (${where})`).to.be.below(250);
            expect(await store.oidc.consume('AuthorizationCode', id), 'consumed all the same').to.equal(false);
          }
        } finally {
          frozen.replica.thaw!();
        }
      }
      // Logged once (at most every 10 s), not per consume.
      expect(warnings.map((w) => w.message)).to.have.length(1);
      expect(warnings[0]!.message).to.match(/reached 0 of 1 replicas within 400 ms/);
    } finally {
      await store.close();
    }
  });
});
