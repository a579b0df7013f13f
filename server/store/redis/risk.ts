// The risk model's histories and prior in Redis: one STRING each, a history with its TTL set in
// the same SET (PX), the prior without one.
import type { Cluster, Redis } from 'ioredis';
import { checkBytes, type RiskHistories } from '../types.ts';
import { ttlMs } from '../time.ts';
import type { KeySchema } from './schema.ts';

export function redisRiskHistories(client: Redis | Cluster, keys: KeySchema): RiskHistories {
  return {
    async get(accountId) {
      return (await client.get(keys.riskHistory(accountId))) ?? undefined;
    },
    async put(accountId, value, { ttlSeconds, maxBytes }) {
      checkBytes(value, maxBytes);
      await client.set(keys.riskHistory(accountId), value, 'PX', ttlMs(ttlSeconds));
    },
    async getPrior() {
      return (await client.get(keys.riskPrior())) ?? undefined;
    },
    async putPrior(value, { maxBytes }) {
      checkBytes(value, maxBytes);
      await client.set(keys.riskPrior(), value);
    },
  };
}
