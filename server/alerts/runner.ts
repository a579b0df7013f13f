// The alert rules run over the whole deployment's audit trail, not one instance's share of it: one
// instance at a time (whoever holds the `alerts` lock, renewed every poll) follows the stream
// every instance's trail copies the rules' events to (ALERT_FEED), evaluates each event (evaluate.ts, pure) and delivers each alert: as
// an `alert.raised` audit event (so the log and the metrics see it), a warning in the log, and in
// the person's security activity when the alert concerns an account. A new leader starts from the
// end of the stream with a fresh state: the windows of the rules start again (at most a lease).
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../errors.ts';
import type { AuditEvent } from '../audit/catalogue.ts';
import { alertRaisedEvent, type Alert } from '../audit/events-alerts.ts';
import type { Feed } from '../audit/trail.ts';
import type { Locks, Streams } from '../store/types.ts';
import { ALERT_INPUT_TYPES, evaluate } from './evaluate.ts';
import { emptyState } from './state.ts';
import type { Thresholds } from './thresholds.ts';

/**
 * The stream the rules follow: the trail's events of the types some rule reads (sign-ins, refresh
 * reuse, key revocations, admin calls), copied there in the trail's own batches. Following the
 * whole trail meant reading back and parsing every token event of every request (a quarter of a
 * client-credentials request's CPU, bench/experiments/alerts-off.ts). A new leader starts at its
 * end, so a day of it is plenty.
 */
export const ALERT_FEED: Feed = { stream: 'audit-alert-input', types: ALERT_INPUT_TYPES, maxEntries: 100_000, maxAgeMs: 86_400_000 };
const LEASE_MS = 5_000;
const BATCH = 1000;

export interface AlertRunnerDeps {
  streams: Streams;
  locks: Locks;
  thresholds: Thresholds;
  /** Where an alert goes besides the trail: the person's activity. */
  tell(alert: Alert): void;
  record(event: AuditEvent): void;
  logger: Logger;
  pollMs?: number;
  now?: () => number;
}

export function startAlerts({ streams, locks, thresholds, tell, record, logger, pollMs = 1000, now = Date.now }: AlertRunnerDeps) {
  let lease: string | undefined;
  let cursor: string | undefined;
  let state = emptyState();
  let busy = false;

  async function lead(): Promise<boolean> {
    if (lease) await locks.release('alerts', lease);
    const previous = lease;
    lease = await locks.acquire('alerts', LEASE_MS);
    if (!lease) {
      cursor = undefined;
      return false;
    }
    if (!previous) {
      // Leading from now on: what came before was another leader's.
      state = emptyState();
      cursor = (await streams.newest(ALERT_FEED.stream, { limit: 1 }))[0]?.id ?? '0';
    }
    return true;
  }

  async function poll(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      if (!(await lead())) return;
      for (;;) {
        const entries = await streams.after(ALERT_FEED.stream, cursor!, BATCH);
        for (const { id, value } of entries) {
          cursor = id;
          const event = JSON.parse(value) as AuditEvent;
          for (const alert of evaluate(state, event, now(), thresholds).alerts) deliver(alert);
        }
        if (entries.length < BATCH) break;
      }
    } catch (err) {
      // A store outage is logged once, where the store notices it (observability/store-outage.ts).
      if (err instanceof StoreUnavailableError) logger.debug({ err }, 'the audit trail is unreachable; trying again');
      else logger.warn({ err }, 'alert rules could not read the audit trail; trying again');
    } finally {
      busy = false;
    }
  }

  function deliver(alert: Alert): void {
    record(alertRaisedEvent(alert) as AuditEvent);
    logger.warn({ alert: { rule: alert.rule, severity: alert.severity, account: alert.account, network: alert.network } }, alert.summary);
    if (alert.account && alert.personMessage) tell(alert);
  }

  const timer = setInterval(() => void poll(), pollMs);
  timer.unref();
  return {
    /** Runs one round now (tests). */
    poll,
    async stop(): Promise<void> {
      clearInterval(timer);
      while (busy) await new Promise((resolve) => setTimeout(resolve, 10));
      if (lease) await locks.release('alerts', lease).catch(() => undefined);
      lease = undefined;
    },
  };
}
