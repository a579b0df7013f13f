// Capped feeds in process, expiring like Redis keys.
import type { Feeds } from '../types.ts';
import type { Clock, Timed } from './clock.ts';

export interface MemoryFeeds extends Feeds {
  size(): number;
}

export function memoryFeeds(clock: Clock): MemoryFeeds {
  const feeds = new Map<string, Timed<string[]>>();
  return {
    async push(feed, item, { max, ttlSeconds }) {
      const items = [item, ...(clock.live(feeds, feed) ?? [])].slice(0, max);
      feeds.set(feed, { value: items, expiresAt: clock.expiresAt(ttlSeconds) });
    },
    async read(feed, limit) {
      return (clock.live(feeds, feed) ?? []).slice(0, limit);
    },
    size() {
      for (const key of [...feeds.keys()]) clock.live(feeds, key);
      return feeds.size;
    },
  };
}
