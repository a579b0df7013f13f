// Capped feeds in Redis: one LIST each, pushed, trimmed and given its TTL in one script.
import type { Cluster, Redis } from 'ioredis';
import type { Feeds } from '../types.ts';
import { ttlMs } from '../time.ts';
import type { KeySchema } from './schema.ts';
import { SINGLE_KEY } from './scripts.ts';

export function redisFeeds(client: Redis | Cluster, keys: KeySchema): Feeds {
  return {
    async push(feed, item, { max, ttlSeconds }) {
      await SINGLE_KEY.feedPush(client, [keys.feed(feed)], [item, max, ttlMs(ttlSeconds)]);
    },
    read: (feed, limit) => client.lrange(keys.feed(feed), 0, limit - 1),
  };
}
