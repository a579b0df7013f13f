// The Redis store: connection, records, documents, locks and pub/sub over one key schema
// (schema.ts), with the multi-key operations chosen by topology (topology.ts).
import type { RedisConfig } from '../../../config/index.ts';
import type { Store } from '../types.ts';
import { connect } from './connect.ts';
import { redisDocuments } from './documents.ts';
import { redisEvents } from './events.ts';
import { redisFeeds } from './feeds.ts';
import { migrateLegacyDocuments } from './legacy.ts';
import { redisLimiters } from './limiters.ts';
import { redisLocks } from './locks.ts';
import { redisRecords } from './records.ts';
import { keySchema } from './schema.ts';
import { redisStreams } from './streams.ts';
import { redisDiagnostics } from './diagnostics.ts';

export interface RedisStoreOptions {
  /** Connection errors (ioredis reconnects on its own); without it ioredis prints them. */
  onError?: (error: Error) => void;
}

export async function createRedisStore(config: RedisConfig, options: RedisStoreOptions = {}): Promise<Store> {
  const keys = keySchema(config.keyPrefix);
  const { client, topology } = connect(config);
  if (options.onError) client.on('error', options.onError);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`cannot connect to Redis: ${(error as Error).message}`, { cause: error });
  }

  const documents = redisDocuments(client, keys, topology);
  const events = redisEvents(client, keys, options.onError);
  try {
    await migrateLegacyDocuments(client, keys, documents);
  } catch (error) {
    client.disconnect();
    throw error;
  }
  return {
    kind: 'redis',
    oidc: redisRecords(client, keys, topology),
    documents,
    feeds: redisFeeds(client, keys),
    streams: redisStreams(client, keys),
    locks: redisLocks(client, keys),
    events,
    limiter: redisLimiters(client, keys),
    async ping() {
      await client.ping();
    },
    diagnostics: () => redisDiagnostics(client),
    async close() {
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
