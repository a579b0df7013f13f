// The ioredis connection for a topology: standalone (REDIS_URL), Sentinel (REDIS_SENTINELS) or
// Cluster (REDIS_CLUSTER_NODES), with the same fail-fast settings everywhere.
import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { RedisConfig } from '../../../config/index.ts';
import { cluster, standalone, type Topology } from './topology.ts';

// Fail fast when Redis is down: a request should get an error (a 503, availability.ts) within
// seconds, not wait in an offline queue for a reconnect that may never come. Commands take well
// under a millisecond; one that has not answered in 2 s is on a hung server, and waiting longer
// only piles requests up (at most rate × timeout of them, the only queue there is).
export const COMMAND_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 2_000;
// Reconnect quickly and keep trying at that pace: ioredis's default backs off to 5 s (measured:
// the first token 3.8 s after Redis was back). A refused connection costs nothing, so a try every
// 100-200 ms brings service back within a fraction of a second of Redis returning.
const reconnectDelay = (times: number) => Math.min(50 * times, 100) + Math.floor(Math.random() * 100);
// A failed-over server that became a replica refuses writes with READONLY: reconnect (Sentinel
// then names the new master) and send the command again (2).
const reconnectOnError = (error: Error) => (error.message.startsWith('READONLY') ? 2 : false);
const PER_CONNECTION: RedisOptions = {
  maxRetriesPerRequest: 1,
  commandTimeout: COMMAND_TIMEOUT_MS,
  connectTimeout: CONNECT_TIMEOUT_MS,
  retryStrategy: reconnectDelay,
  reconnectOnError,
};
const COMMON = {
  lazyConnect: true,
  // Commands issued in the same tick (introspection's token and grant lookups, a request's
  // parallel reads) share one write: measured +20% on introspection (bench/).
  enableAutoPipelining: true,
  // No offline queue: while disconnected a command fails at once (a 503) instead of waiting,
  // so memory stays bounded however long Redis is away.
  enableOfflineQueue: false,
} as const;

export interface Connection {
  client: Redis | Cluster;
  topology: Topology;
}

export function connect(config: RedisConfig): Connection {
  const url = config.url ? new URL(config.url) : undefined;
  const auth: RedisOptions = {};
  if (url?.username) auth.username = decodeURIComponent(url.username);
  if (url?.password) auth.password = decodeURIComponent(url.password);
  if (url?.protocol === 'rediss:') auth.tls = {};
  const db = url && url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
  if (db !== undefined && !Number.isInteger(db)) throw new Error(`invalid database number in REDIS_URL: ${url?.pathname}`);

  if (config.clusterNodes?.length) {
    const options: ClusterOptions = {
      ...COMMON,
      redisOptions: { ...auth, ...PER_CONNECTION },
      // MOVED/ASK are followed at once, TRYAGAIN/CLUSTERDOWN and a failover retried after 100 ms
      // (ioredis's defaults, kept), at most 16 redirections; when every node is gone, try again
      // at the standalone pace rather than backing off to 2 s.
      clusterRetryStrategy: reconnectDelay,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      maxRedirections: 16,
    };
    const client = new Cluster(config.clusterNodes, options);
    return { client, topology: cluster(client) };
  }
  const client = config.sentinels?.length
    ? // The URL, when given with sentinels, only carries credentials, TLS and db for the master.
      // A failover is followed by reconnecting: the old master's connection drops (or it answers
      // READONLY, above), and each reconnect asks the sentinels for the master. ioredis's
      // failoverDetector would notice sooner, but in ioredis 6 its sentinel connections outlive
      // quit() (a process that never exits), and reconnecting every 100-200 ms is soon enough.
      new Redis({ ...COMMON, ...PER_CONNECTION, ...auth, db, sentinels: config.sentinels, name: config.sentinelName, sentinelRetryStrategy: reconnectDelay })
    : url
      ? new Redis({ ...COMMON, ...PER_CONNECTION, ...auth, db, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 6379) })
      : undefined;
  if (!client) throw new Error('Redis configuration needs a url, sentinels or cluster nodes');
  return { client, topology: standalone(client) };
}
