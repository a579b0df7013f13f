// The embedded store for development and tests: the same contract as Redis (see ../types.ts),
// held in process, laid out like Redis on purpose so that both behave alike and size() counts
// what Redis would hold as keys.
//
// Expiry is lazy (an expired entry is dropped when read) plus a periodic sweep on an unref'd timer,
// so entries nobody reads again do not accumulate and the timer never keeps the process alive.
import type { Store } from '../types.ts';
import { clock } from './clock.ts';
import { memoryEvents, memoryLocks } from './coordination.ts';
import { memoryDocuments } from './documents.ts';
import { memoryFeeds } from './feeds.ts';
import { memoryLimiters } from './limiters.ts';
import { memoryRecords } from './records.ts';
import { memoryRiskHistories } from './risk.ts';
import { memoryStreams } from './streams.ts';

export interface MemoryStore extends Store {
  readonly kind: 'memory';
  /** Live entries, counted like Redis keys (records, indexes, grant sets, owner indexes,
   * documents, collection indexes). For tests. */
  size(): number;
  /** Drops every expired entry now (the timer does it every minute). */
  sweep(): void;
}

const SWEEP_INTERVAL_MS = 60_000;

export function createMemoryStore(options: { now?: () => number } = {}): MemoryStore {
  const now = options.now ?? Date.now;
  const time = clock(now);
  const records = memoryRecords(time);
  const feeds = memoryFeeds(time);
  const streams = memoryStreams(now);
  const risk = memoryRiskHistories(time);
  const documents = memoryDocuments();
  let closed = false;
  const timer = setInterval(() => records.sweep(), SWEEP_INTERVAL_MS);
  timer.unref();

  return {
    kind: 'memory',
    oidc: records,
    documents,
    feeds,
    risk,
    streams,
    locks: memoryLocks(now),
    events: memoryEvents(),
    limiter: memoryLimiters(),
    readAhead: (fn) => fn(),
    async ping() {
      if (closed) throw new Error('the store is closed');
    },
    diagnostics: async () => ({ kind: 'memory' }),
    async close() {
      closed = true;
      clearInterval(timer);
    },
    size: () => records.size() + documents.size() + feeds.size() + risk.size() + streams.size(),
    sweep: () => records.sweep(),
  };
}
