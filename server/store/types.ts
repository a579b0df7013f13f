// The storage contract. Both implementations (Redis, in-memory) honour it, and one contract
// suite (test/store/store-contract.test.ts) proves it for both.
//
// Invalidation rules (the fosite habit of writing them down):
// - Every oidc record expires on its own TTL; its secondary indexes (uid, userCode) expire with it
//   and are removed with it.
// - Records that carry a grantId are listed in that grant's index; revokeByGrantId removes every
//   record of the grant, of every model, and the index itself.
// - Records that name owners (`owners`: an account, a client) are listed in each owner's index
//   until they expire or are removed; a listing never returns a record that is gone.
// - consume() marks a record consumed at most once: of N concurrent calls exactly one wins.
// - A document is listed once it is written and until it is removed; a listing page never holds
//   a removed document (an index entry left by an interrupted removal is skipped).

/**
 * A record as the store keeps it: a plain JSON object. The store reads only the fields that
 * index it (uid, userCode, grantId, owners) and `consumed`; everything else is the caller's.
 */
export interface OidcPayload {
  [claim: string]: unknown;
  jti?: string;
  uid?: string;
  userCode?: string;
  grantId?: string;
  /** Owner keys (e.g. "account:<id>") whose index lists this record. */
  owners?: string[];
  consumed?: number;
  /** What to read along with this record inside Store.readAhead (its grant, its account): a
   * hint, never part of the payload a find answers. */
  readWith?: ReadWith;
}

export interface ReadWith {
  records?: { model: string; id: string }[];
  documents?: { collection: string; id: string }[];
}

/** A record an owner index lists. */
export interface OwnedRecord {
  model: string;
  id: string;
}

export interface OidcStore {
  upsert(model: string, id: string, payload: OidcPayload, expiresIn?: number): Promise<void>;
  find(model: string, id: string): Promise<OidcPayload | undefined>;
  findByUid(model: string, uid: string): Promise<OidcPayload | undefined>;
  findByUserCode(model: string, userCode: string): Promise<OidcPayload | undefined>;
  /** Sets `consumed` (epoch seconds). Resolves true for the one caller that consumed it, false
   * when it was already consumed or does not exist. */
  consume(model: string, id: string): Promise<boolean>;
  destroy(model: string, id: string): Promise<void>;
  /** Removes every record (any model) of the grant and the grant's index. */
  revokeByGrantId(grantId: string): Promise<void>;
  /** The live records listing `owner` among their owners, in no particular order. */
  owned(owner: string): Promise<OwnedRecord[]>;
  /** How many records of the grant are alive and not consumed (its usable tokens and codes). */
  liveMembers(grantId: string): Promise<number>;
  /** About how many live records of the model are listed under an owner (signed-in Sessions),
   * in the whole store: exact in memory; on Redis estimated from random keys of each master
   * (redis/sample.ts), a thousand commands or so per master: for a scrape now and then, never
   * on a request. */
  estimateOwned(model: string): Promise<number>;
}

/**
 * Small JSON documents grouped in collections (users, clients, keys, ...), each document a record
 * of its own. Values are strings; the repositories above the store own their shape.
 */
export interface Documents {
  get(collection: string, id: string): Promise<string | undefined>;
  /** A page of the collection in id order (bytewise), starting after `after`. `next` is the
   * cursor of the following page, absent on the last one. Never reads the whole collection. */
  list(collection: string, page: { limit: number; after?: string }): Promise<DocumentPage>;
  put(collection: string, id: string, value: string): Promise<void>;
  /** Writes only when the id is free; resolves false when it was taken. */
  insert(collection: string, id: string, value: string): Promise<boolean>;
  /** Resolves false when there was nothing to remove. */
  remove(collection: string, id: string): Promise<boolean>;
  /** Writes only when the stored value is still exactly `expected` (a fencing check); resolves
   * false, changing nothing, when someone else wrote first. */
  replace(collection: string, id: string, expected: string, value: string): Promise<boolean>;
}

export interface DocumentPage {
  items: { id: string; value: string }[];
  next?: string;
}

/**
 * Short, capped feeds of recent items, newest first (a person's security activity): each push
 * keeps at most `max` items and extends the feed's life to `ttlSeconds`, so a feed nobody writes
 * to disappears, and none grows without bound.
 */
export interface Feeds {
  push(feed: string, item: string, bounds: { max: number; ttlSeconds: number }): Promise<void>;
  /** The newest `limit` items, newest first. */
  read(feed: string, limit: number): Promise<string[]>;
}

/**
 * The risk model's memory (server/risk/): per account one document, the history of its successful
 * sign-ins, and one global prior over every account. Values are strings (server/risk/store.ts owns
 * their shape). Bounded twice: a put larger than `maxBytes` is refused (RangeError, nothing
 * written), and each put of a history extends its life to `ttlSeconds`, so the history of an
 * account nobody signed in to for that long (six months) disappears whole. The prior never
 * expires: its counts age inside it.
 */
export interface RiskHistories {
  get(accountId: string): Promise<string | undefined>;
  put(accountId: string, value: string, bounds: { ttlSeconds: number; maxBytes: number }): Promise<void>;
  getPrior(): Promise<string | undefined>;
  putPrior(value: string, bounds: { maxBytes: number }): Promise<void>;
}

/** A value past the bound refused: the caller must shrink it first. */
export function checkBytes(value: string, maxBytes: number): void {
  const bytes = Buffer.byteLength(value);
  if (bytes > maxBytes) throw new RangeError(`risk document of ${bytes} bytes is over the ${maxBytes}-byte bound`);
}

/**
 * Append-only logs with bounded retention (the audit trail). Each entry gets an id from the store
 * that sorts by time: `<epoch ms>-<sequence>`, as Redis Streams name theirs. Each append trims to
 * the bounds: at most so many entries, none older than so many milliseconds.
 */
export interface StreamEntry {
  id: string;
  value: string;
}

export interface Streams {
  /** Appends the values in order and trims to the bounds; the new entries' ids, in order. */
  append(stream: string, values: string[], bounds: { maxEntries: number; maxAgeMs: number }): Promise<string[]>;
  /** Entries newest first: written between `since` and `until` (epoch ms, both included), older
   * than the entry `before` when paging back, at most `limit`. */
  newest(stream: string, options: { since?: number; until?: number; before?: string; limit: number }): Promise<StreamEntry[]>;
  /** Entries written after the entry `after` ('0' for the oldest kept), oldest first, at most
   * `limit`: for following a stream. */
  after(stream: string, after: string, limit: number): Promise<StreamEntry[]>;
  /** How many entries the stream holds now. */
  length(stream: string): Promise<number>;
  /** A consumer group of the stream (created, from the next entry on, when it does not exist):
   * each entry goes to one consumer of the group and stays pending with it until acknowledged. */
  group(stream: string, group: string): Promise<StreamGroup>;
}

export interface StreamGroup {
  /** Entries not yet given to any consumer of the group, now pending with `consumer`. */
  read(consumer: string, count: number): Promise<StreamEntry[]>;
  /** Entries pending with any consumer for at least `minIdleMs` (one that died, or keeps failing),
   * now pending with `consumer`, their idle time reset. Oldest first. */
  claim(consumer: string, minIdleMs: number, count: number): Promise<StreamEntry[]>;
  /** Done with these: they are no longer pending. */
  ack(ids: string[]): Promise<void>;
}

/** Mutual exclusion across instances, with expiry so a crashed holder cannot block forever. */
export interface Locks {
  /** A token when acquired, undefined when someone else holds the lock. */
  acquire(name: string, ttlMs: number): Promise<string | undefined>;
  /** Releases only a lock still held under this token. */
  release(name: string, token: string): Promise<void>;
}

/** Best-effort notifications between instances (pub/sub); a lost message is tolerated by
 * readers that also poll. */
export interface Events {
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once subscribed, to a function that unsubscribes. */
  subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>>;
}

/**
 * Counters over a fixed window, shared by every instance (rate-limiter-flexible underneath): what
 * the throttles of server/security/ count with. A count past `points` still counts; the caller
 * decides what it means.
 */
export interface LimiterOptions {
  /** The budget of one window. */
  points: number;
  /** The window's length, whole seconds. */
  durationSeconds: number;
}

export interface LimiterState {
  /** Points consumed in the current window (may exceed the budget). */
  consumed: number;
  /** Milliseconds until the window ends and the key starts again from zero. */
  msBeforeNext: number;
}

export interface Limiter {
  /** The current window of the key; undefined when nothing was consumed in it. */
  get(key: string): Promise<LimiterState | undefined>;
  /** Adds `points` (default 1; negative gives back), atomically; a window opened by this call
   * lasts `durationSeconds` (default: the limiter's). Resolves whether or not past the budget. */
  consume(key: string, options?: { points?: number; durationSeconds?: number }): Promise<LimiterState>;
  /** Forgets the key: its next consume opens a new window. */
  delete(key: string): Promise<void>;
}

export interface StoreDiagnostics {
  kind: 'redis' | 'memory';
  /** Append-only file on (Redis `appendonly`). */
  aof?: boolean;
  /** `always`, `everysec` or `no`; undefined when CONFIG is not allowed. */
  appendfsync?: string;
  /** RDB snapshots configured (`save`). */
  rdb?: boolean;
  /** What Redis does when full: `noeviction`, `allkeys-lru`, `volatile-ttl`, … */
  maxmemoryPolicy?: string;
  /** Redis's own clock (TIME), epoch ms, and when it was read by ours. */
  serverTimeMs?: number;
  readAtMs?: number;
  version?: string;
}

export interface Store {
  readonly kind: 'redis' | 'memory';
  readonly oidc: OidcStore;
  readonly documents: Documents;
  readonly feeds: Feeds;
  readonly risk: RiskHistories;
  readonly streams: Streams;
  readonly locks: Locks;
  readonly events: Events;
  /** The limiter of this name (one key space per name); the same name and options give the same
   * counters on every instance. */
  limiter(name: string, options: LimiterOptions): Limiter;
  /**
   * Runs fn (a request) with a read-ahead: a record found in it brings what its `readWith` names
   * in the same round trip, and later reads of those in fn are answered from memory; writes in
   * fn forget what they change. Nothing is kept after fn. The in-memory store has no round trips
   * to save and just runs fn.
   */
  readAhead<T>(fn: () => Promise<T>): Promise<T>;
  /** Rejects when the backing store cannot be reached. */
  ping(): Promise<void>;
  /** What `latchkey doctor` checks of the store's own settings. */
  diagnostics(): Promise<StoreDiagnostics>;
  close(): Promise<void>;
}
