// The risk model's histories and prior in process, expiring like Redis keys.
import { checkBytes, type RiskHistories } from '../types.ts';
import type { Clock, Timed } from './clock.ts';

export interface MemoryRiskHistories extends RiskHistories {
  size(): number;
}

export function memoryRiskHistories(clock: Clock): MemoryRiskHistories {
  const histories = new Map<string, Timed<string>>();
  let prior: string | undefined;
  return {
    async get(accountId) {
      return clock.live(histories, accountId);
    },
    async put(accountId, value, { ttlSeconds, maxBytes }) {
      checkBytes(value, maxBytes);
      histories.set(accountId, { value, expiresAt: clock.expiresAt(ttlSeconds) });
    },
    async getPrior() {
      return prior;
    },
    async putPrior(value, { maxBytes }) {
      checkBytes(value, maxBytes);
      prior = value;
    },
    size() {
      for (const key of [...histories.keys()]) clock.live(histories, key);
      return histories.size + (prior === undefined ? 0 : 1);
    },
  };
}
