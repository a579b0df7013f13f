// The mail queue: sending never blocks a request. A request appends a job (what to send, never a
// link token: a job's handler mints its link when the mail is written) to the `mail` stream of
// the store; every instance is one consumer of the stream's `sender` group, so a job is taken by
// one instance and stays pending until the SMTP server accepted the mail. A failure is retried by
// that instance with exponential backoff (1 s, doubling, at most 5 minutes) until the job is a day
// old, then given up; the first failure and the giving up are logged and audited (mail.failed).
// A job held by an instance that died (or restarted) for longer than MAIL_CLAIM_AFTER_SECONDS is
// claimed by another, or by the same one restarted: nothing queued is lost to a restart. The
// consumer-group loop is store/consume-stream.ts's, shared with the audit webhook.
import type { Logger } from 'pino';
import type { Auditor } from '../audit/context.ts';
import type { AuditEvent } from '../audit/catalogue.ts';
import { consumeStream } from '../store/consume-stream.ts';
import type { Streams } from '../store/types.ts';
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

/** A job as it was queued; throws on an entry that is not one (it is skipped). */
function jobOf(value: string): MailJob {
  const job = JSON.parse(value) as Partial<MailJob> | null;
  if (!job || typeof job.kind !== 'string' || typeof job.queuedAt !== 'number' || typeof job.data !== 'object' || job.data === null) throw new Error('an entry of the mail stream that is not a mail job');
  return job as MailJob;
}

export async function createMailQueue({ streams, transport, logger, auditor, claimAfterMs, pollMs = 250, firstRetryMs = 1_000, maxRetryMs = 5 * 60_000, now = Date.now }: QueueOptions): Promise<MailQueue> {
  const log = logger.child({ component: 'mail' });
  const handlers = new Map<string, MailHandler>();
  const counts = { sent: 0, failed: 0 };
  let failing = false;

  const audit = (job: MailJob, attempts: number, gaveUp: boolean, err: unknown) =>
    auditor?.record({ type: 'mail.failed', version: 1, at: now(), actor: { kind: 'system', component: 'mail' }, kind: job.kind.slice(0, 64), ...(job.account ? { account: job.account } : {}), attempts, gaveUp, reason: reasonOf(err) } as AuditEvent);

  /** True when done with the job (sent, nothing to send, or given up). */
  async function deliver(job: MailJob, { attempts }: { attempts: number }): Promise<boolean> {
    const handler = handlers.get(job.kind);
    if (!handler) {
      log.error({ kind: job.kind.slice(0, 64) }, 'mail queue: no handler for this kind of mail; dropped');
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

  // Made before any job is queued, so that the group sees every one; polled once every handler
  // is registered (a job read before would have none).
  const consumer = await consumeStream({ streams, stream: MAIL_STREAM, group: GROUP, batch: BATCH, claimAfterMs, pollMs, firstRetryMs, maxRetryMs, logger: log, what: 'the mail queue', now, parse: jobOf, deliver });
  let stopped = false;
  return {
    start: consumer.start,
    async enqueue(job) {
      await streams.append(MAIL_STREAM, [JSON.stringify({ ...job, queuedAt: now() })], BOUNDS);
      // Sent as soon as this instance is free, not at the next tick.
      setImmediate(() => void consumer.poll());
    },
    handle(kind, handler) {
      handlers.set(kind, handler);
    },
    poll: consumer.poll,
    counts,
    backlog: consumer.backlog,
    async stop() {
      if (stopped) return;
      stopped = true;
      await consumer.stop();
      transport.close();
    },
  };
}
