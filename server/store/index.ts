// The store's public face: pick the backing store from configuration.
import type { RedisConfig } from '../../config/index.ts';
import { createMemoryStore } from './memory/index.ts';
import { createRedisStore, type RedisStoreOptions } from './redis/index.ts';
import type { Store } from './types.ts';

export type { Documents, OidcPayload, OidcStore, OwnedRecord, Store } from './types.ts';
export type { MemoryStore } from './memory/index.ts';
export type { RedisStoreOptions } from './redis/index.ts';
export { createMemoryStore } from './memory/index.ts';
export { createRedisStore } from './redis/index.ts';

/** Redis when configured, else the in-memory store (config refuses that in production). */
export async function openStore(redis: RedisConfig | undefined, options: RedisStoreOptions = {}): Promise<Store> {
  return redis ? createRedisStore(redis, options) : createMemoryStore();
}
