// The audit trail: every event checked against the catalogue, then written as one JSON line to
// the log and appended to a stream in the store with bounded retention (by count and age).
// Recording never waits and never costs a round trip of its own: events are queued and written
// in batches (a batch is one auto-pipelined round trip), after the response they belong to.
// An event the catalogue refuses is never stored; the refusal is logged without the event.
import type { Logger } from 'pino';
import type { Streams } from '../store/types.ts';
import { parseAuditEvent, type AuditEvent } from './catalogue.ts';

export const AUDIT_STREAM = 'audit';
const BATCH_MS = 25;
const BATCH_MAX = 500;
/** Events waiting at most (the store down for a while): past it the oldest are dropped, counted. */
const QUEUE_MAX = 20_000;
/** How far back one search reads at most, in entries. */
const SEARCH_SCAN_MAX = 100_000;
const PAGE = 1000;

export interface AuditQuery {
  account?: string;
  client?: string;
  /** An event type (`token.issued`), or a family of them (`token.*`). */
  type?: string;
  /** Epoch ms, both included. */
  since?: number;
  until?: number;
  /** Events naming this token (its id hash, as token or as the refresh token it replaced) or this grant. */
  tokenIdHash?: string;
  grantIdHash?: string;
  /** The id of the last event of a previous page (they come newest first). */
  before?: string;
  limit: number;
}

export interface StoredEvent {
  id: string;
  event: AuditEvent;
}

export interface AuditTrail {
  record(event: AuditEvent): void;
  /** Writes what is queued; resolves once written (tests, shutdown). */
  flush(): Promise<void>;
  /** Newest first; `next` continues where this page ended, while there may be more. */
  search(query: AuditQuery): Promise<{ events: StoredEvent[]; next?: string }>;
  /** Events after an id, oldest first: for following the trail. */
  after(id: string, limit: number): Promise<StoredEvent[]>;
  /** Events refused by the catalogue and events dropped because the store could not keep up. */
  readonly counts: { refused: number; dropped: number; written: number };
  close(): Promise<void>;
}

export interface TrailOptions {
  streams: Streams;
  logger: Logger;
  maxEvents: number;
  maxAgeMs: number;
  /** Told of every event once it is checked (the metrics). */
  listeners?: ((event: AuditEvent) => void)[];
  /** Smaller streams that also get the events of some types, in the same batch, for a follower
   * that needs only those: the alert rules read sign-ins, not the token events of every request. */
  feeds?: Feed[];
}

export interface Feed {
  stream: string;
  types: ReadonlySet<string>;
  maxEntries: number;
  maxAgeMs: number;
}

const clientsOf = (event: AuditEvent): string[] => {
  const e = event as Record<string, unknown>;
  const actor = e.actor as { clientId?: string };
  return [e.client, e.tokenClient, actor.clientId].filter((c): c is string => typeof c === 'string');
};

export function matches(event: AuditEvent, query: AuditQuery): boolean {
  if (query.account !== undefined && (event as { account?: string }).account !== query.account) return false;
  if (query.client !== undefined && !clientsOf(event).includes(query.client)) return false;
  const named = event as { tokenIdHash?: string; previousTokenIdHash?: string; grantIdHash?: string };
  if (query.tokenIdHash !== undefined && named.tokenIdHash !== query.tokenIdHash && named.previousTokenIdHash !== query.tokenIdHash) return false;
  if (query.grantIdHash !== undefined && named.grantIdHash !== query.grantIdHash) return false;
  if (query.type !== undefined) {
    const family = query.type.endsWith('.*') ? query.type.slice(0, -1) : undefined;
    if (family ? !event.type.startsWith(family) : event.type !== query.type) return false;
  }
  return true;
}

export function createAuditTrail({ streams, logger, maxEvents, maxAgeMs, listeners = [], feeds = [] }: TrailOptions): AuditTrail {
  const log = logger.child({ component: 'audit' });
  let queue: AuditEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let failing = false;
  const counts = { refused: 0, dropped: 0, written: 0 };

  async function write(batch: AuditEvent[]): Promise<void> {
    const lines: string[] = [];
    const fed = feeds.map(() => [] as string[]);
    for (const input of batch) {
      const parsed = parseAuditEvent(input);
      if (!parsed.ok) {
        counts.refused++;
        log.error({ type: input.type, problems: parsed.problems }, 'audit event refused by the catalogue');
        continue;
      }
      log.info({ audit: parsed.event }, parsed.event.type);
      const line = JSON.stringify(parsed.event);
      lines.push(line);
      feeds.forEach((feed, i) => feed.types.has(parsed.event.type) && fed[i]!.push(line));
      for (const listener of listeners) {
        try {
          listener(parsed.event);
        } catch (err) {
          log.error({ err }, 'an audit listener failed');
        }
      }
    }
    if (lines.length === 0) return;
    try {
      // Issued together, the appends share one auto-pipelined round trip.
      await Promise.all([
        streams.append(AUDIT_STREAM, lines, { maxEntries: maxEvents, maxAgeMs }),
        ...feeds.map((feed, i) => (fed[i]!.length ? streams.append(feed.stream, fed[i]!, feed) : undefined)),
      ]);
      counts.written += lines.length;
      if (failing) log.info('audit events are stored again');
      failing = false;
    } catch (err) {
      counts.dropped += lines.length;
      // Once per outage, not once per batch: the JSON lines above still carry every event.
      if (!failing) log.warn({ err }, 'audit events could not be stored; they are in the log only until the store answers');
      failing = true;
    }
  }

  function drain(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = queue;
    queue = [];
    writing = writing.then(() => (batch.length ? write(batch) : undefined));
    return writing;
  }

  async function readPage(query: AuditQuery, before: string | undefined, limit: number) {
    return streams.newest(AUDIT_STREAM, { since: query.since, until: query.until, before, limit });
  }

  return {
    counts,
    record(event) {
      queue.push(event);
      if (queue.length > QUEUE_MAX) {
        queue.shift();
        counts.dropped++;
      }
      if (queue.length >= BATCH_MAX) void drain();
      else timer ??= setTimeout(() => void drain(), BATCH_MS);
    },
    flush: drain,
    async search(query) {
      const found: StoredEvent[] = [];
      let before = query.before;
      let scanned = 0;
      while (found.length < query.limit && scanned < SEARCH_SCAN_MAX) {
        const page = await readPage(query, before, PAGE);
        for (const { id, value } of page) {
          before = id;
          const event = JSON.parse(value) as AuditEvent;
          if (matches(event, query)) found.push({ id, event });
          if (found.length === query.limit) return { events: found, next: id };
        }
        scanned += page.length;
        if (page.length < PAGE) return { events: found };
      }
      return { events: found, ...(before ? { next: before } : {}) };
    },
    async after(id, limit) {
      return (await streams.after(AUDIT_STREAM, id, limit)).map(({ id: entry, value }) => ({ id: entry, event: JSON.parse(value) as AuditEvent }));
    },
    async close() {
      await drain();
    },
  };
}
