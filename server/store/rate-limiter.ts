// The Limiter of the store contract (types.ts) over a rate-limiter-flexible limiter: the memory
// store hands it a RateLimiterMemory, the Redis store a RateLimiterRedis. rate-limiter-flexible
// rejects a consume past the budget with the new state; the contract resolves with it instead,
// and leaves what a count means to the throttles that read it.
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Limiter, LimiterState } from './types.ts';

function stateOf(res: RateLimiterRes): LimiterState {
  return { consumed: Math.max(0, res.consumedPoints), msBeforeNext: Math.max(0, res.msBeforeNext) };
}

export function limiterOver(limiter: RateLimiterAbstract): Limiter {
  return {
    async get(key) {
      const res = await limiter.get(key);
      return res && res.consumedPoints > 0 ? stateOf(res) : undefined;
    },
    async consume(key, { points = 1, durationSeconds } = {}) {
      const options = durationSeconds === undefined ? {} : { customDuration: wholeSeconds(durationSeconds) };
      if (points < 0) return stateOf(await limiter.reward(key, -points, options));
      try {
        return stateOf(await limiter.consume(key, points, options));
      } catch (past) {
        if (past instanceof RateLimiterRes) return stateOf(past);
        throw past;
      }
    },
    async delete(key) {
      await limiter.delete(key);
    },
  };
}

/** rate-limiter-flexible keeps whole seconds, and reads 0 as "never expires": at least 1. */
export function wholeSeconds(seconds: number): number {
  if (!Number.isFinite(seconds)) throw new Error(`a limiter window must be a finite number of seconds (got ${seconds})`);
  return Math.max(1, Math.ceil(seconds));
}

/** One key space per name: no braces (the Cluster hash tag) and no separator ambiguity. */
export function checkLimiterName(name: string): void {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`a limiter name is lowercase letters, digits and dashes (got ${name})`);
}
