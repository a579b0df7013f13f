// The webhook sink: audit events POSTed as JSON to AUDIT_WEBHOOK_URL, at least once.
//
// Signed like Stripe's webhooks, so a receiver checks both who sent it and when:
//   Latchkey-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(AUDIT_WEBHOOK_SECRET, "<t>.<body>")>
//   Latchkey-Event-Id: <the event's id in the trail>   (the same on every retry: deduplicate by it)
// Delivery goes through a consumer group of the audit stream (every instance one consumer), so an
// event is taken by one instance and stays pending until the receiver answered 2xx. A failure is
// retried by that instance with exponential backoff (1 s, doubling, at most 5 minutes); an event
// held by an instance that died (or kept failing) longer than AUDIT_WEBHOOK_CLAIM_AFTER_SECONDS is
// claimed by another. Events the stream trims away before delivery are lost (the stream's bounds).
import { createHmac, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../errors.ts';
import type { StreamEntry, StreamGroup, Streams } from '../store/types.ts';
import { AUDIT_STREAM } from './trail.ts';

const GROUP = 'webhook';
const BATCH = 50;
const TIMEOUT_MS = 5_000;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 5 * 60_000;

export interface WebhookOptions {
  streams: Streams;
  url: string;
  secret: string;
  /** Event types or families (`alert.*`) to send; `*` for all. */
  events: string[];
  claimAfterMs: number;
  logger: Logger;
  pollMs?: number;
  now?: () => number;
}

/** The signature header of a body sent at `t` (unix seconds). */
export function webhookSignature(secret: string, t: number, body: string): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

const wanted = (events: string[]) => (type: string) => events.some((e) => e === '*' || e === type || (e.endsWith('.*') && type.startsWith(e.slice(0, -1))));

export async function startWebhook({ streams, url, secret, events, claimAfterMs, logger, pollMs = 500, now = Date.now }: WebhookOptions) {
  const log = logger.child({ component: 'audit-webhook' });
  const consumer = `latchkey-${randomBytes(6).toString('hex')}`;
  const sendable = wanted(events);
  const retries = new Map<string, { entry: StreamEntry; attempts: number; nextAt: number }>();
  const counts = { delivered: 0, failed: 0 };
  // Made before any event is recorded, so that the group sees every one from the start.
  const group: StreamGroup = await streams.group(AUDIT_STREAM, GROUP);
  let busy = false;
  let failing = false;

  async function deliver(entry: StreamEntry): Promise<boolean> {
    const type = (JSON.parse(entry.value) as { type: string }).type;
    if (!sendable(type)) return true;
    const body = `{"id":${JSON.stringify(entry.id)},"event":${entry.value}}`;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'latchkey-signature': webhookSignature(secret, Math.floor(now() / 1000), body), 'latchkey-event-id': entry.id },
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (res.ok) return true;
      throw new Error(`the receiver answered ${res.status}`);
    } catch (err) {
      counts.failed++;
      // Once per failing spell, not once per attempt.
      if (!failing) log.warn({ err: { message: (err as Error).message } }, 'audit webhook delivery failed; retrying with backoff');
      failing = true;
      return false;
    }
  }

  async function handle(entries: StreamEntry[], fromRetry: boolean): Promise<void> {
    const done: string[] = [];
    for (const entry of entries) {
      if (!fromRetry && retries.has(entry.id)) continue;
      if (await deliver(entry)) {
        done.push(entry.id);
        retries.delete(entry.id);
        counts.delivered++;
        if (failing) log.info('audit webhook delivers again');
        failing = false;
      } else {
        const attempts = (retries.get(entry.id)?.attempts ?? 0) + 1;
        retries.set(entry.id, { entry, attempts, nextAt: now() + Math.min(FIRST_RETRY_MS * 2 ** (attempts - 1), MAX_RETRY_MS) });
      }
    }
    await group.ack(done);
  }

  async function poll(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      const due = [...retries.values()].filter((r) => r.nextAt <= now()).map((r) => r.entry);
      if (due.length) await handle(due, true);
      await handle(await group.claim(consumer, claimAfterMs, BATCH), false);
      for (;;) {
        const fresh = await group.read(consumer, BATCH);
        await handle(fresh, false);
        if (fresh.length < BATCH) break;
      }
    } catch (err) {
      // A store outage is logged once, where the store notices it (observability/store-outage.ts).
      if (err instanceof StoreUnavailableError) log.debug({ err }, 'the audit trail is unreachable; trying again');
      else log.warn({ err }, 'audit webhook could not read the audit trail; trying again');
    } finally {
      busy = false;
    }
  }

  const timer = setInterval(() => void poll(), pollMs);
  timer.unref();
  return {
    counts,
    /** Events this instance holds, waiting for a retry. */
    backlog: () => retries.size,
    poll,
    async stop(): Promise<void> {
      clearInterval(timer);
      while (busy) await new Promise((resolve) => setTimeout(resolve, 10));
    },
  };
}
