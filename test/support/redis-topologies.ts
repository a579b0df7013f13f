// Replicated Redis for the tests, on free loopback ports: Sentinel (one master, two replicas,
// three sentinels) and a real Cluster (three masters, each with a replica), each able to lose its
// master (kill -9) and fail over, as in production.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { waitFor } from './wait.ts';
import { startRedis, type TestRedis } from './redis.ts';

export interface Node {
  host: string;
  port: number;
}

export interface Replicated {
  /** What Latchkey is configured with (REDIS_SENTINELS or REDIS_CLUSTER_NODES). */
  env: Record<string, string>;
  /** The same, as the store's RedisConfig takes it (without the key prefix). */
  config: { sentinels?: Node[]; sentinelName: string; clusterNodes?: Node[] };
  nodes: TestRedis[];
  /** kill -9 of a master (the Sentinel master; the Cluster master owning `key`'s slot). */
  killMaster(key?: string): Promise<TestRedis>;
  /** Waits until a replica has taken over: Sentinel names a new master, the Cluster is ok. */
  failedOver(): Promise<void>;
  stop(): Promise<void>;
}

const SENTINEL_NAME = 'latchkey';

async function withClient<T>(node: Node, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ ...node, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}
const ask = (node: Node, ...args: string[]) => withClient(node, (client) => client.call(args[0]!, args.slice(1)));

const nodeOf = (redis: TestRedis): Node => redis.node;

export async function startSentinel(): Promise<Replicated> {
  // No delay before the first full sync (the default waits 5 s for more replicas to arrive).
  const common = ['--replica-announce-ip', '127.0.0.1', '--repl-diskless-sync-delay', '0'];
  const master = await startRedis({ args: common });
  const replicas = await Promise.all([0, 1].map(() => startRedis({ args: ['--replicaof', '127.0.0.1', String(master.node.port), ...common] })));
  // Both replicas in sync (online), not merely configured.
  await waitFor(
    async () => String(await ask(master.node, 'INFO', 'replication')),
    (info) => (info.match(/state=online/g) ?? []).length === 2,
    { within: 15_000, every: 50, what: 'both replicas in sync' },
  );
  const config = [
    `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${master.node.port} 2`,
    `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
    `sentinel failover-timeout ${SENTINEL_NAME} 5000`,
    `sentinel parallel-syncs ${SENTINEL_NAME} 2`,
    'sentinel announce-ip 127.0.0.1',
    '',
  ].join('\n');
  const sentinels = await Promise.all([0, 1, 2].map(() => startRedis({ sentinel: config })));
  const nodes = [master, ...replicas];
  let currentMaster = master;
  const masterAddress = async (sentinel: TestRedis) => (await ask(sentinel.node, 'SENTINEL', 'get-master-addr-by-name', SENTINEL_NAME)) as [string, string] | null;

  // Ready when every sentinel sees both replicas and the other two sentinels (a quorum).
  await waitFor(
    () =>
      Promise.all(
        sentinels.map(async (s) => [
          ((await ask(s.node, 'SENTINEL', 'replicas', SENTINEL_NAME)) as unknown[]).length,
          ((await ask(s.node, 'SENTINEL', 'sentinels', SENTINEL_NAME)) as unknown[]).length,
        ]),
      ),
    (seen) => seen.every(([r, s]) => r === 2 && s === 2),
    { within: 15_000, every: 100, what: 'sentinels to see the replicas and each other' },
  );

  return {
    env: { REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.node.port}`).join(','), REDIS_SENTINEL_NAME: SENTINEL_NAME },
    config: { sentinels: sentinels.map(nodeOf), sentinelName: SENTINEL_NAME },
    nodes,
    async killMaster() {
      const killed = currentMaster;
      await killed.halt!('SIGKILL');
      return killed;
    },
    async failedOver() {
      const before = currentMaster.node.port;
      const address = await waitFor(() => masterAddress(sentinels[0]!), (a) => a !== null && Number(a[1]) !== before, { within: 15_000, every: 50, what: 'a new Sentinel master' });
      currentMaster = nodes.find((n) => n.node.port === Number(address![1]))!;
    },
    async stop() {
      await Promise.all([...sentinels, ...nodes].map((n) => n.stop()));
    },
  };
}

export async function startCluster({ masters = 3 }: { masters?: number } = {}): Promise<Replicated> {
  const nodes = await Promise.all(Array.from({ length: masters * 2 }, () => startRedis({ cluster: true, noSlots: true, args: ['--repl-diskless-sync-delay', '0'] })));
  const create = spawn('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.node.port}`), '--cluster-replicas', '1', '--cluster-yes'], { stdio: 'ignore' });
  const [code] = (await once(create, 'exit')) as [number];
  if (code !== 0) throw new Error(`redis-cli --cluster create exited with ${code}`);
  const clusterOk = () => Promise.all(nodes.map((n) => ask(n.node, 'CLUSTER', 'INFO').then(String)));
  const ready = (infos: string[]) => infos.every((i) => i.includes('cluster_state:ok') && i.includes(`cluster_known_nodes:${nodes.length}`));
  await waitFor(clusterOk, ready, { within: 15_000, every: 100, what: 'the cluster to be ok' });
  // And every replica attached to its master (with its data), as every node sees it: only then can
  // one take over.
  const replication = () =>
    Promise.all(
      nodes.map(async (n) => {
        const known = String(await ask(n.node, 'CLUSTER', 'NODES'));
        const info = String(await ask(n.node, 'INFO', 'replication'));
        return (known.match(/ (myself,)?slave /g) ?? []).length === masters && (info.includes('role:master') || info.includes('master_link_status:up'));
      }),
    );
  await waitFor(replication, (all) => all.every(Boolean), { within: 15_000, every: 100, what: 'the replicas to attach' });
  let killed: TestRedis | undefined;
  let killedSlot = 0;
  type Shard = [number, number, [string, number, ...unknown[]], ...unknown[]];
  const ownerPort = async (node: TestRedis, slot: number) => {
    const shards = (await ask(node.node, 'CLUSTER', 'SLOTS')) as Shard[];
    return Number(shards.find(([from, to]) => slot >= from && slot <= to)?.[2][1]);
  };

  return {
    env: { REDIS_CLUSTER_NODES: nodes.map((n) => `127.0.0.1:${n.node.port}`).join(',') },
    config: { clusterNodes: nodes.map(nodeOf), sentinelName: 'unused' },
    nodes,
    async killMaster(key = 'latchkey') {
      killedSlot = (await ask(nodes[0]!.node, 'CLUSTER', 'KEYSLOT', key)) as number;
      const port = await ownerPort(nodes[0]!, killedSlot);
      killed = nodes.find((n) => n.node.port === port)!;
      await killed.halt!('SIGKILL');
      return killed;
    },
    async failedOver() {
      // A replica has been promoted for the slot, and every live node says the cluster is ok.
      const alive = nodes.filter((n) => n !== killed);
      await waitFor(
        () => Promise.all(alive.map(async (n) => `${await ownerPort(n, killedSlot)} ${String(await ask(n.node, 'CLUSTER', 'INFO'))}`)),
        (seen) => seen.every((s) => !s.startsWith(`${killed!.node.port} `) && s.includes('cluster_state:ok')),
        { within: 15_000, every: 50, what: 'the cluster to fail over' },
      );
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
