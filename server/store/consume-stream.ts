// One consumer of a stream's consumer group, delivering each entry at least once: the loop the
// audit webhook (audit/webhook.ts) and the mail queue (mail/queue.ts) share. Every instance is one
// consumer of the group, so an entry is taken by one instance and stays pending with it until it
// is delivered. Each poll:
//   1. retries the entries this instance failed to deliver whose backoff is over (from
//      `firstRetryMs`, doubling, at most `maxRetryMs`);
//   2. claims entries pending with any consumer for `claimAfterMs` (one that died, or kept
//      failing) and delivers them;
//   3. reads new entries, a batch at a time, until there are none.
// Entries delivered (or given up by `deliver`) are acknowledged after each batch. An entry that
// cannot be read at all (malformed: `parse` throws) is logged and acknowledged in its batch like
// a delivered one, so it never holds back the entries after it; a `deliver` that throws is a
// failed delivery, retried with backoff. A store outage ends the poll, logged once where the
// store notices it (observability/store-outage.ts); the next poll starts again.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../errors.ts';
import type { StreamEntry, Streams } from './types.ts';

export interface ConsumeStreamOptions<T> {
  streams: Streams;
  stream: string;
  group: string;
  /** Entries per read or claim. */
  batch: number;
  claimAfterMs: number;
  pollMs: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
  logger: Logger;
  /** What is read, in the log's words: "the audit trail", "the mail queue". */
  what: string;
  now?: () => number;
  /** An entry's value, read; throws when it can never be delivered (it is skipped). */
  parse(value: string): T;
  /** True when done with the entry (delivered, nothing to deliver, or given up); false to retry
   * it with backoff. `attempts`: how many deliveries of it failed before. */
  deliver(item: T, entry: { id: string; attempts: number }): Promise<boolean>;
}

export interface StreamConsumer {
  /** Polls every `pollMs` from now on (and once at once). */
  start(): void;
  /** One round (tests, and a caller who knows there is something new); none while another runs. */
  poll(): Promise<void>;
  /** Entries this instance holds, waiting for a retry. */
  backlog(): number;
  /** No more polls; resolves once the one under way is over (what it did not finish stays pending). */
  stop(): Promise<void>;
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 5 * 60_000;

/** Joins the group (made before anything is appended, it sees every entry from the start). */
export async function consumeStream<T>(options: ConsumeStreamOptions<T>): Promise<StreamConsumer> {
  const { batch, claimAfterMs, logger: log, what, parse, deliver, now = Date.now } = options;
  const firstRetryMs = options.firstRetryMs ?? FIRST_RETRY_MS;
  const maxRetryMs = options.maxRetryMs ?? MAX_RETRY_MS;
  const consumer = `latchkey-${randomBytes(6).toString('hex')}`;
  const group = await options.streams.group(options.stream, options.group);
  const retries = new Map<string, { id: string; item: T; attempts: number; nextAt: number }>();
  let busy = false;
  let started = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  // Nothing to acknowledge sends nothing: an empty ack answers without Redis, and a guarded
  // operation that answers counts as Redis being there (availability.ts), which during an
  // outage would log it back and gone again at every poll.
  const acknowledge = (ids: string[]) => (ids.length ? group.ack(ids) : Promise.resolve());

  /** Delivers one; true when it is to be acknowledged. */
  async function attempt(id: string, item: T, attempts: number): Promise<boolean> {
    let done: boolean;
    try {
      done = await deliver(item, { id, attempts });
    } catch (err) {
      log.warn({ err, id }, `${what}: delivering an entry failed unexpectedly; retrying with backoff`);
      done = false;
    }
    if (done) retries.delete(id);
    else retries.set(id, { id, item, attempts: attempts + 1, nextAt: now() + Math.min(firstRetryMs * 2 ** attempts, maxRetryMs) });
    return done;
  }

  async function fresh(entries: StreamEntry[]): Promise<void> {
    const done: string[] = [];
    for (const entry of entries) {
      if (stopped) break;
      // Claimed back while it waits for its retry here: the retry delivers it.
      if (retries.has(entry.id)) continue;
      let item: T;
      try {
        item = parse(entry.value);
      } catch (err) {
        log.error({ id: entry.id, err: { message: (err as Error)?.message } }, `${what}: an unreadable entry; skipped`);
        done.push(entry.id);
        continue;
      }
      if (await attempt(entry.id, item, 0)) done.push(entry.id);
    }
    await acknowledge(done);
  }

  async function retry(): Promise<void> {
    const done: string[] = [];
    for (const due of [...retries.values()].filter((r) => r.nextAt <= now())) {
      if (stopped) break;
      if (await attempt(due.id, due.item, due.attempts)) done.push(due.id);
    }
    await acknowledge(done);
  }

  async function poll(): Promise<void> {
    if (busy || stopped || !started) return;
    busy = true;
    try {
      await retry();
      await fresh(await group.claim(consumer, claimAfterMs, batch));
      for (;;) {
        const entries = await group.read(consumer, batch);
        await fresh(entries);
        if (entries.length < batch || stopped) break;
      }
    } catch (err) {
      if (err instanceof StoreUnavailableError) log.debug({ err }, `${what} is unreachable; trying again`);
      else log.warn({ err }, `could not read ${what}; trying again`);
    } finally {
      busy = false;
    }
  }

  return {
    start() {
      if (started || stopped) return;
      started = true;
      timer = setInterval(() => void poll(), options.pollMs);
      timer.unref();
      void poll();
    },
    poll,
    backlog: () => retries.size,
    async stop() {
      stopped = true;
      clearInterval(timer);
      while (busy) await new Promise((resolve) => setTimeout(resolve, 10));
    },
  };
}
