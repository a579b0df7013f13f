// Rate limiters in process: rate-limiter-flexible's own memory limiter (its clock is the real
// one, and it expires its keys on unref'd timers). One per name, as Redis keeps one key space per
// name.
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { checkLimiterName, limiterOver, wholeSeconds } from '../rate-limiter.ts';
import type { Limiter, LimiterOptions } from '../types.ts';

export function memoryLimiters(): (name: string, options: LimiterOptions) => Limiter {
  const limiters = new Map<string, { options: string; limiter: Limiter }>();
  return (name, { points, durationSeconds }) => {
    checkLimiterName(name);
    const options = `${points}/${wholeSeconds(durationSeconds)}`;
    const found = limiters.get(name);
    if (found && found.options !== options) throw new Error(`limiter ${name} already exists with other options (${found.options})`);
    if (found) return found.limiter;
    const created = limiterOver(new RateLimiterMemory({ keyPrefix: name, points, duration: wholeSeconds(durationSeconds) }));
    limiters.set(name, { options, limiter: created });
    return created;
  };
}
