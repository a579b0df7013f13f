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
// The consumer-group loop is store/consume-stream.ts's, shared with the mail queue.
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import { consumeStream } from '../store/consume-stream.ts';
import type { Streams } from '../store/types.ts';
import { AUDIT_STREAM } from './trail.ts';

const GROUP = 'webhook';
const BATCH = 50;
const TIMEOUT_MS = 5_000;

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

/** An event as the trail stored it: its type, and its JSON as it is sent. */
function eventOf(value: string): { type: string; json: string } {
  const type = (JSON.parse(value) as { type?: unknown } | null)?.type;
  if (typeof type !== 'string') throw new Error('an entry of the audit stream without an event type');
  return { type, json: value };
}

export async function startWebhook({ streams, url, secret, events, claimAfterMs, logger, pollMs = 500, now = Date.now }: WebhookOptions) {
  const log = logger.child({ component: 'audit-webhook' });
  const sendable = wanted(events);
  const counts = { delivered: 0, failed: 0 };
  let failing = false;

  async function deliver(event: { type: string; json: string }, { id }: { id: string }): Promise<boolean> {
    if (!sendable(event.type)) return true;
    const body = `{"id":${JSON.stringify(id)},"event":${event.json}}`;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'latchkey-signature': webhookSignature(secret, Math.floor(now() / 1000), body), 'latchkey-event-id': id },
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`the receiver answered ${res.status}`);
    } catch (err) {
      counts.failed++;
      // Once per failing spell, not once per attempt.
      if (!failing) log.warn({ err: { message: (err as Error).message } }, 'audit webhook delivery failed; retrying with backoff');
      failing = true;
      return false;
    }
    counts.delivered++;
    if (failing) log.info('audit webhook delivers again');
    failing = false;
    return true;
  }

  // Made before any event is recorded, so that the group sees every one from the start.
  const consumer = await consumeStream({ streams, stream: AUDIT_STREAM, group: GROUP, batch: BATCH, claimAfterMs, pollMs, logger: log, what: 'the audit trail', now, parse: eventOf, deliver });
  consumer.start();
  return {
    counts,
    /** Events this instance holds, waiting for a retry. */
    backlog: consumer.backlog,
    poll: consumer.poll,
    stop: consumer.stop,
  };
}
