// The embedded store for development and tests: the same contract as Redis (see types.ts), held
// in process. It mirrors the Redis layout on purpose (records, secondary indexes pointing at record
// keys, one member set per grant, one map per document collection) so that both behave alike and
// size() counts what Redis would hold as keys.
//
// Expiry is lazy (an expired entry is dropped when read) plus a periodic sweep on an unref'd timer,
// so entries nobody reads again do not accumulate and the timer never keeps the process alive.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { checkLimiterName, limiterOver, wholeSeconds } from './rate-limiter.ts';
import { epochSeconds, ttlMs } from './time.ts';
import type { Documents, Events, Limiter, LimiterOptions, Locks, OidcPayload, OidcStore, Store } from './types.ts';

export interface MemoryStore extends Store {
  readonly kind: 'memory';
  /** Live entries, counted like Redis keys (records, indexes, grant sets, documents, collection
   * indexes). For tests. */
  size(): number;
  /** Drops every expired entry now (the timer does it every minute). */
  sweep(): void;
}

interface Timed<T> {
  value: T;
  /** Epoch milliseconds; Infinity when it never expires. */
  expiresAt: number;
}

interface StoredRecord {
  /** JSON, so that callers never share objects with the store, as with Redis. */
  payload: string;
  consumed?: number;
  indexes: string[];
  grantKey?: string;
}

const SWEEP_INTERVAL_MS = 60_000;

export function createMemoryStore(options: { now?: () => number } = {}): MemoryStore {
  const now = options.now ?? Date.now;
  const records = new Map<string, Timed<StoredRecord>>();
  const indexes = new Map<string, Timed<string>>();
  const grants = new Map<string, Timed<Set<string>>>();
  const collections = new Map<string, Map<string, string>>();

  function live<T>(map: Map<string, Timed<T>>, key: string): T | undefined {
    const entry = map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > now()) return entry.value;
    map.delete(key);
    return undefined;
  }

  function expiresAt(expiresIn: number | undefined): number {
    return expiresIn === undefined ? Infinity : now() + ttlMs(expiresIn);
  }

  function read(key: string): OidcPayload | undefined {
    const record = live(records, key);
    if (!record) return undefined;
    const payload = JSON.parse(record.payload) as OidcPayload;
    if (record.consumed !== undefined) payload.consumed = record.consumed;
    return payload;
  }

  function drop(key: string): string | undefined {
    const record = live(records, key);
    records.delete(key);
    if (!record) return undefined;
    // An index may already point at a newer record (a Session saved under a new id keeps its uid).
    for (const index of record.indexes) if (live(indexes, index) === key) indexes.delete(index);
    return record.grantKey;
  }

  const oidc: OidcStore = {
    async upsert(model, id, payload, expiresIn) {
      const key = recordKey(model, id);
      const until = expiresAt(expiresIn);
      const record: StoredRecord = { payload: JSON.stringify(payload), indexes: [] };
      if (typeof payload.consumed === 'number') record.consumed = payload.consumed;
      for (const index of indexKeys(model, payload)) {
        indexes.set(index, { value: key, expiresAt: until });
        record.indexes.push(index);
      }
      if (payload.grantId) {
        record.grantKey = payload.grantId;
        const grant = grants.get(payload.grantId);
        if (grant && grant.expiresAt > now()) {
          grant.value.add(key);
          grant.expiresAt = Math.max(grant.expiresAt, until);
        } else {
          grants.set(payload.grantId, { value: new Set([key]), expiresAt: until });
        }
      }
      records.set(key, { value: record, expiresAt: until });
    },

    async find(model, id) {
      return read(recordKey(model, id));
    },

    async findByUid(model, uid) {
      const key = live(indexes, indexKey(model, 'uid', uid));
      const payload = key === undefined ? undefined : read(key);
      return payload?.uid === uid ? payload : undefined;
    },

    async findByUserCode(model, userCode) {
      const key = live(indexes, indexKey(model, 'userCode', userCode));
      const payload = key === undefined ? undefined : read(key);
      return payload?.userCode === userCode ? payload : undefined;
    },

    // Atomic because nothing awaits between the check and the write.
    async consume(model, id) {
      const record = live(records, recordKey(model, id));
      if (!record || record.consumed !== undefined) return false;
      record.consumed = epochSeconds(now());
      return true;
    },

    async destroy(model, id) {
      const key = recordKey(model, id);
      const grantKey = drop(key);
      const grant = grantKey === undefined ? undefined : grants.get(grantKey);
      if (grantKey !== undefined && grant) {
        grant.value.delete(key);
        if (grant.value.size === 0) grants.delete(grantKey);
      }
    },

    async revokeByGrantId(grantId) {
      const members = live(grants, grantId);
      grants.delete(grantId);
      for (const key of members ?? []) drop(key);
    },
  };

  const documents: Documents = {
    async get(collection, id) {
      return collections.get(collection)?.get(id);
    },
    async list(collection, { limit, after }) {
      // Bytewise order, like Redis' BYLEX.
      const ids = [...(collections.get(collection)?.keys() ?? [])].filter((id) => after === undefined || Buffer.compare(Buffer.from(id), Buffer.from(after)) > 0);
      ids.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      const page = ids.slice(0, limit);
      const items = page.map((id) => ({ id, value: collections.get(collection)!.get(id)! }));
      return page.length === limit ? { items, next: page.at(-1) } : { items };
    },
    async put(collection, id, value) {
      collectionFor(collection).set(id, value);
    },
    async insert(collection, id, value) {
      const docs = collectionFor(collection);
      if (docs.has(id)) return false;
      docs.set(id, value);
      return true;
    },
    async replace(collection, id, expected, value) {
      const docs = collections.get(collection);
      if (docs?.get(id) !== expected) return false;
      docs.set(id, value);
      return true;
    },
    async remove(collection, id) {
      const docs = collections.get(collection);
      const removed = docs?.delete(id) ?? false;
      // Like a Redis HASH, an empty collection does not linger.
      if (docs?.size === 0) collections.delete(collection);
      return removed;
    },
  };

  const held = new Map<string, { token: string; expiresAt: number }>();
  const locks: Locks = {
    async acquire(name, ttlMs) {
      const lock = held.get(name);
      if (lock && lock.expiresAt > now()) return undefined;
      const token = randomUUID();
      held.set(name, { token, expiresAt: now() + ttlMs });
      return token;
    },
    async release(name, token) {
      if (held.get(name)?.token === token) held.delete(name);
    },
  };

  // One process: an in-process bus (listeners are called asynchronously, as with Redis).
  const bus = new EventEmitter();
  const events: Events = {
    async publish(channel, message) {
      queueMicrotask(() => bus.emit(channel, message));
    },
    async subscribe(channel, listener) {
      bus.on(channel, listener);
      return async () => {
        bus.off(channel, listener);
      };
    },
  };

  // rate-limiter-flexible's own memory limiter (its clock is the real one, and it expires its
  // keys on unref'd timers). One per name, as Redis keeps one key space per name.
  const limiters = new Map<string, { options: string; limiter: Limiter }>();
  const limiter = (name: string, { points, durationSeconds }: LimiterOptions): Limiter => {
    checkLimiterName(name);
    const options = `${points}/${wholeSeconds(durationSeconds)}`;
    const found = limiters.get(name);
    if (found && found.options !== options) throw new Error(`limiter ${name} already exists with other options (${found.options})`);
    if (found) return found.limiter;
    const created = limiterOver(new RateLimiterMemory({ keyPrefix: name, points, duration: wholeSeconds(durationSeconds) }));
    limiters.set(name, { options, limiter: created });
    return created;
  };

  function collectionFor(name: string): Map<string, string> {
    let docs = collections.get(name);
    if (!docs) collections.set(name, (docs = new Map()));
    return docs;
  }

  function sweep(): void {
    const t = now();
    for (const map of [records, indexes, grants] as Map<string, Timed<unknown>>[]) {
      for (const [key, entry] of map) if (entry.expiresAt <= t) map.delete(key);
    }
  }

  let closed = false;
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS);
  timer.unref();

  return {
    kind: 'memory',
    oidc,
    documents,
    locks,
    events,
    limiter,
    async ping() {
      if (closed) throw new Error('the store is closed');
    },
    async close() {
      closed = true;
      clearInterval(timer);
    },
    size() {
      sweep();
      let documents = 0;
      for (const docs of collections.values()) documents += docs.size;
      // Like Redis: a key per document, and one index per collection.
      return records.size + indexes.size + grants.size + documents + collections.size;
    },
    sweep,
  };
}

function recordKey(model: string, id: string): string {
  return `${model}:${id}`;
}

function indexKey(model: string, field: 'uid' | 'userCode', value: string): string {
  return `${model}:${field}:${value}`;
}

function indexKeys(model: string, payload: OidcPayload): string[] {
  const keys: string[] = [];
  if (payload.uid) keys.push(indexKey(model, 'uid', payload.uid));
  if (payload.userCode) keys.push(indexKey(model, 'userCode', payload.userCode));
  return keys;
}
