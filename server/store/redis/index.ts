// The Redis store: connection, records, documents, locks and pub/sub over one key schema
// (schema.ts), with the multi-key operations chosen by topology (topology.ts).
import { Cluster, type Redis } from 'ioredis';
import type { RedisConfig } from '../../../config/index.ts';
import type { Store, Streams } from '../types.ts';
import { availability, isUnavailable, type Availability, type AvailabilityChange } from './availability.ts';
import { COMMAND_TIMEOUT_MS, connect } from './connect.ts';
import { redisDocuments } from './documents.ts';
import { redisEvents } from './events.ts';
import { redisFeeds } from './feeds.ts';
import { migrateLegacyDocuments } from './legacy.ts';
import { redisLimiters } from './limiters.ts';
import { redisLocks } from './locks.ts';
import { readAhead } from './read-ahead.ts';
import { redisRecords } from './records.ts';
import { redisRiskHistories } from './risk.ts';
import { replicatedConsume, type ReplicatedConsume } from './replicated-consume.ts';
import { SINGLE_KEY } from './scripts.ts';
import { keySchema } from './schema.ts';
import { redisStreams } from './streams.ts';
import { redisDiagnostics } from './diagnostics.ts';

export interface RedisStoreOptions {
  /** Errors ioredis reports that are not Redis being away (those are onAvailability's). */
  onError?: (error: Error) => void;
  /** Redis went away or came back: called once per change, never per failed request. */
  onAvailability?: (change: AvailabilityChange) => void;
}

// Readiness must say "not ready" within a second even when Redis hangs rather than refuses.
const PING_TIMEOUT_MS = 500;

/** The streams, guarded, and so is each consumer group's handle (its reads, claims and acks are
 * store operations too: Redis away is a StoreUnavailableError there as everywhere). */
function guardedStreams(state: Availability, streams: Streams): Streams {
  const guarded = state.guarded(streams);
  return { ...guarded, group: async (stream, group) => state.guarded(await guarded.group(stream, group)) };
}

/** Refreshes a Cluster's slot map, at most one refresh at a time. */
function slotRefresher(client: Cluster): () => void {
  let refreshing = false;
  return () => {
    if (refreshing) return;
    refreshing = true;
    client.refreshSlotsCache(() => {
      refreshing = false;
    });
  };
}

export async function createRedisStore(config: RedisConfig, options: RedisStoreOptions = {}): Promise<Store> {
  const keys = keySchema(config.keyPrefix);
  const { client, topology } = connect(config);
  let closing = false;
  const state = availability(
    (change) => {
      if (!closing) options.onAvailability?.(change);
    },
    {
      probe: () => client.ping(),
      timeoutMs: COMMAND_TIMEOUT_MS,
      // A failover redirects many commands at once: one refresh for all of them.
      onRedirect: client instanceof Cluster ? slotRefresher(client) : undefined,
    },
  );
  // ioredis emits an 'error' per failed reconnect (every 100-200 ms while Redis is away): those
  // are the availability's to report, once. Anything else goes to onError. With no listener at
  // all ioredis would print them, so there is always one.
  const onError = (error: Error) => {
    if (!isUnavailable(error)) options.onError?.(error);
  };
  client.on('error', onError);
  state.watch(client);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`cannot connect to Redis: ${(error as Error).message}`, { cause: error });
  }

  // REDIS_WAIT_REPLICAS: consumes on a connection of their own, each followed by WAIT.
  let consumes: ReplicatedConsume | undefined;
  if (config.waitReplicas) {
    const connection = (client as Redis).duplicate() as Redis | Cluster;
    connection.on('error', onError);
    try {
      await connection.connect();
    } catch (error) {
      connection.disconnect();
      client.disconnect();
      throw new Error(`cannot connect to Redis: ${(error as Error).message}`, { cause: error });
    }
    consumes = replicatedConsume(connection, SINGLE_KEY.consume, config.waitReplicas, (error) => options.onError?.(error));
  }

  const ahead = readAhead();
  const documents = redisDocuments(client, keys, topology, ahead);
  const events = redisEvents(client, keys, onError);
  try {
    await migrateLegacyDocuments(client, keys, documents);
  } catch (error) {
    client.disconnect();
    throw error;
  }
  const limiter = redisLimiters(client, keys);
  // Every operation runs through the availability guard: Redis away is a StoreUnavailableError.
  return {
    kind: 'redis',
    oidc: state.guarded(redisRecords(client, keys, topology, ahead, consumes?.consume)),
    documents: state.guarded(documents),
    feeds: state.guarded(redisFeeds(client, keys)),
    risk: state.guarded(redisRiskHistories(client, keys)),
    streams: guardedStreams(state, redisStreams(client, keys)),
    locks: state.guarded(redisLocks(client, keys)),
    events: state.guarded(events),
    limiter: (name, limits) => state.guarded(limiter(name, limits)),
    readAhead: (fn) => ahead.run(fn),
    async ping() {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not answer PING within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
      });
      try {
        await Promise.race([state.run(() => client.ping()), late]);
      } finally {
        clearTimeout(timer);
      }
    },
    diagnostics: () => redisDiagnostics(client),
    async close() {
      closing = true;
      state.stop();
      consumes?.close();
      await events.close();
      if (client.status === 'end') return;
      try {
        await client.quit();
      } catch {
        // Not connected: nothing to say goodbye to, just stop reconnecting.
        client.disconnect();
      }
    },
  };
}
