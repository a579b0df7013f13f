// The mail queue: sending never blocks a request. A request appends a job (what to send, never a
// link token: a job's handler mints its link when the mail is written) to the `mail` stream of
// the store; every instance is one consumer of the stream's `sender` group, so a job is taken by
// one instance and stays pending until the SMTP server accepted the mail. A failure is retried by
// that instance with exponential backoff (1 s, doubling, at most 5 minutes) until the job is a day
// old, then given up; the first failure and the giving up are logged and audited (mail.failed).
// A job held by an instance that died (or restarted) for longer than MAIL_CLAIM_AFTER_SECONDS is
// claimed by another, or by the same one restarted: nothing queued is lost to a restart. This is
// the audit webhook's pattern (audit/webhook.ts) over the same store mechanism.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Auditor } from '../audit/context.ts';
import type { AuditEvent } from '../audit/catalogue.ts';
import { StoreUnavailableError } from '../errors.ts';
import type { StreamEntry, StreamGroup, Streams } from '../store/types.ts';
import type { MailTransport, Outgoing } from './transport.ts';

export const MAIL_STREAM = 'mail';
const GROUP = 'sender';
const BATCH = 20;
const BOUNDS = { maxEntries: 100_000, maxAgeMs: 7 * 86_400_000 };
const GIVE_UP_AFTER_MS = 86_400_000;

export interface MailJob {
  /** The handler that writes the mail (`password-reset`, `notice`, …). */
  kind: string;
  /** The account it concerns, when one does (for the audit trail; never shown). */
  account?: string;
  data: Record<string, unknown>;
  queuedAt: number;
}

/** Writes the mail of a job, or undefined when there is none to send (an unknown address). */
export type MailHandler = (job: MailJob) => Promise<Outgoing | undefined>;

export interface QueueOptions {
  streams: Streams;
  transport: MailTransport;
  logger: Logger;
  auditor?: Auditor;
  claimAfterMs: number;
  pollMs?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
  now?: () => number;
}

export interface MailQueue {
  enqueue(job: Omit<MailJob, 'queuedAt'>): Promise<void>;
  /** Registers the handler of a kind of job (before start). */
  handle(kind: string, handler: MailHandler): void;
  /** Starts sending, once every handler is registered (a job read before would have none). */
  start(): void;
  poll(): Promise<void>;
  counts: { sent: number; failed: number };
  /** Jobs this instance holds, waiting for a retry. */
  backlog(): number;
  stop(): Promise<void>;
}

// What an SMTP client error says, without addresses: enough to tell an outage from a refusal.
const reasonOf = (err: unknown) => String((err as Error)?.message ?? err).replace(/<?[^\s<>@]+@[^\s<>@]+>?/g, '<address>').slice(0, 300) || 'unknown';

export async function createMailQueue({ streams, transport, logger, auditor, claimAfterMs, pollMs = 250, firstRetryMs = 1_000, maxRetryMs = 5 * 60_000, now = Date.now }: QueueOptions): Promise<MailQueue> {
  const log = logger.child({ component: 'mail' });
  const consumer = `latchkey-${randomBytes(6).toString('hex')}`;
  const handlers = new Map<string, MailHandler>();
  const retries = new Map<string, { entry: StreamEntry; attempts: number; nextAt: number }>();
  const counts = { sent: 0, failed: 0 };
  // Made before any job is queued, so that the group sees every one.
  const group: StreamGroup = await streams.group(MAIL_STREAM, GROUP);
  let busy = false;
  let failing = false;
  let stopped = false;
  let started = false;

  const audit = (job: MailJob, attempts: number, gaveUp: boolean, err: unknown) =>
    auditor?.record({ type: 'mail.failed', version: 1, at: now(), actor: { kind: 'system', component: 'mail' }, kind: job.kind.slice(0, 64), ...(job.account ? { account: job.account } : {}), attempts, gaveUp, reason: reasonOf(err) } as AuditEvent);

  /** True when done with the entry (sent, nothing to send, or given up). */
  async function deliver(entry: StreamEntry, attempts: number): Promise<boolean> {
    let job: MailJob;
    try {
      job = JSON.parse(entry.value) as MailJob;
    } catch {
      log.error({ id: entry.id }, 'mail queue: an unreadable job; dropped');
      return true;
    }
    const handler = handlers.get(job.kind);
    if (!handler) {
      log.error({ kind: job.kind }, 'mail queue: no handler for this kind of mail; dropped');
      return true;
    }
    try {
      const message = await handler(job);
      if (message) await transport.send(message);
      if (message) counts.sent++;
      if (failing) log.info('mail is delivered again');
      failing = false;
      return true;
    } catch (err) {
      counts.failed++;
      const gaveUp = now() - job.queuedAt > GIVE_UP_AFTER_MS;
      if (!failing || gaveUp) log[gaveUp ? 'error' : 'warn']({ kind: job.kind, attempts: attempts + 1, reason: reasonOf(err) }, gaveUp ? 'mail could not be sent for a day; given up' : 'mail could not be sent; retrying with backoff');
      if (attempts === 0 || gaveUp) audit(job, attempts + 1, gaveUp, err);
      failing = true;
      return gaveUp;
    }
  }

  async function handleEntries(entries: StreamEntry[], fromRetry: boolean): Promise<void> {
    const done: string[] = [];
    for (const entry of entries) {
      if (stopped) break;
      if (!fromRetry && retries.has(entry.id)) continue;
      const attempts = retries.get(entry.id)?.attempts ?? 0;
      if (await deliver(entry, attempts)) {
        done.push(entry.id);
        retries.delete(entry.id);
      } else {
        retries.set(entry.id, { entry, attempts: attempts + 1, nextAt: now() + Math.min(firstRetryMs * 2 ** attempts, maxRetryMs) });
      }
    }
    await group.ack(done);
  }

  async function poll(): Promise<void> {
    if (busy || stopped || !started) return;
    busy = true;
    try {
      const due = [...retries.values()].filter((r) => r.nextAt <= now()).map((r) => r.entry);
      if (due.length) await handleEntries(due, true);
      await handleEntries(await group.claim(consumer, claimAfterMs, BATCH), false);
      for (;;) {
        const fresh = await group.read(consumer, BATCH);
        await handleEntries(fresh, false);
        if (fresh.length < BATCH || stopped) break;
      }
    } catch (err) {
      if (err instanceof StoreUnavailableError) log.debug({ err }, 'the mail queue is unreachable; trying again');
      else log.warn({ err }, 'mail queue could not be read; trying again');
    } finally {
      busy = false;
    }
  }

  let timer: NodeJS.Timeout | undefined;
  return {
    start() {
      if (started || stopped) return;
      started = true;
      timer = setInterval(() => void poll(), pollMs);
      timer.unref();
      void poll();
    },
    async enqueue(job) {
      await streams.append(MAIL_STREAM, [JSON.stringify({ ...job, queuedAt: now() })], BOUNDS);
      // Sent as soon as this instance is free, not at the next tick.
      setImmediate(() => void poll());
    },
    handle(kind, handler) {
      handlers.set(kind, handler);
    },
    poll,
    counts,
    backlog: () => retries.size,
    async stop() {
      stopped = true;
      clearInterval(timer);
      while (busy) await new Promise((resolve) => setTimeout(resolve, 10));
      transport.close();
    },
  };
}
