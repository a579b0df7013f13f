// Limiters over Redis (RateLimiterRedis on the store's own ioredis client, standalone or
// Cluster): each counter is one key, Plimit:<name>:{<key>}, so it names its own slot; the
// increment and its expiry are one Lua script (rate-limiter-flexible's), so concurrent consumers
// on any number of instances count exactly.
import type { Cluster, Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { checkLimiterName, limiterOver, wholeSeconds } from '../rate-limiter.ts';
import type { Limiter, LimiterOptions } from '../types.ts';
import type { KeySchema } from './schema.ts';

export function redisLimiters(client: Redis | Cluster, keys: KeySchema): (name: string, options: LimiterOptions) => Limiter {
  return (name, { points, durationSeconds }) => {
    checkLimiterName(name);
    const limiter = new RateLimiterRedis({ storeClient: client, keyPrefix: keys.limiter(name), points, duration: wholeSeconds(durationSeconds) });
    const inner = limiterOver(limiter);
    // rate-limiter-flexible writes `<keyPrefix>:<key>`: the key goes inside the hash tag.
    const tagged = (key: string) => `{${key}}`;
    return {
      // The throttles read a counter on every request they guard (every token request), and
      // almost always find none. rate-limiter-flexible's get is a MULTI of GET and PTTL, which
      // auto-pipelining cannot batch: measured at a third of the token endpoint's throughput. So
      // a plain GET of the same key, batched with the request's other commands, and PTTL only
      // when there is a count to report.
      async get(key) {
        const name = limiter.getKey(tagged(key));
        const value = await client.get(name);
        const consumed = value === null ? 0 : Number.parseInt(value, 10);
        if (!(consumed > 0)) return undefined;
        const ttl = await client.pttl(name);
        return { consumed, msBeforeNext: Math.max(0, ttl) };
      },
      consume: (key, options) => inner.consume(tagged(key), options),
      delete: (key) => inner.delete(tagged(key)),
    };
  };
}
