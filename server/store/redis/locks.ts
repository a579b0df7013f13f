// Locks with expiry: SET NX PX, released only by the holder's token.
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Locks } from '../types.ts';
import type { KeySchema } from './schema.ts';
import { SINGLE_KEY } from './scripts.ts';

export function redisLocks(client: Redis | Cluster, keys: KeySchema): Locks {
  return {
    async acquire(name, ttlMs) {
      const token = randomUUID();
      return (await client.set(keys.lock(name), token, 'PX', ttlMs, 'NX')) === 'OK' ? token : undefined;
    },
    async release(name, token) {
      await SINGLE_KEY.delIf(client, [keys.lock(name)], [token]);
    },
  };
}
