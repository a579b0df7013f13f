// Builders of the audit events the alert rules read, with plain defaults, and a runner that feeds
// a sequence through evaluate with the clock at each event's time.
import type { AuditEvent, AuditEventOf } from '../../../server/audit/catalogue.ts';
import type { Alert } from '../../../server/audit/events-alerts.ts';
import type { Place } from '../../../server/audit/fields.ts';
import { createIdHasher } from '../../../server/audit/ids.ts';
import { evaluate } from '../../../server/alerts/evaluate.ts';
import { emptyState, type AlertState } from '../../../server/alerts/state.ts';
import { DEFAULT_THRESHOLDS, type Thresholds } from '../../../server/alerts/thresholds.ts';

export const hashId = createIdHasher(Buffer.alloc(32, 42));
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Monday 2 March 2026, 09:00 UTC. */
export const T0 = Date.UTC(2026, 2, 2, 9);

export const PLACES = {
  berlin: { country: 'DE', city: 'Berlin', latitude: 52.52, longitude: 13.405 },
  potsdam: { country: 'DE', city: 'Potsdam', latitude: 52.3906, longitude: 13.0645 },
  munich: { country: 'DE', city: 'Munich', latitude: 48.1351, longitude: 11.582 },
  paris: { country: 'FR', city: 'Paris', latitude: 48.8566, longitude: 2.3522 },
  tokyo: { country: 'JP', city: 'Tokyo', latitude: 35.6762, longitude: 139.6503 },
  saoPaulo: { country: 'BR', city: 'São Paulo', latitude: -23.5505, longitude: -46.6333 },
} satisfies Record<string, Place>;

type Extra<T extends AuditEvent['type']> = Partial<Omit<AuditEventOf<T>, 'type' | 'version'>>;

export function signinSucceeded(account: string, at: number, place: Place | undefined, extra: Extra<'signin.succeeded'> = {}): AuditEventOf<'signin.succeeded'> {
  return {
    type: 'signin.succeeded',
    version: 1,
    at,
    actor: { kind: 'account', sub: account },
    account,
    client: 'webapp',
    amr: ['pwd'],
    ip: '198.51.100.10',
    ...(place ? { place } : {}),
    ...extra,
  };
}

/** A failed sign-in at `login` (an email): naming `account` when one exists. */
export function signinFailed(login: string, at: number, extra: Extra<'signin.failed'> = {}): AuditEventOf<'signin.failed'> {
  return {
    type: 'signin.failed',
    version: 1,
    at,
    actor: { kind: 'anonymous' },
    loginHash: hashId('login', login),
    client: 'webapp',
    reason: extra.account ? 'wrong_password' : 'unknown_account',
    personSees: 'incorrect_email_or_password',
    ip: '203.0.113.7',
    ...extra,
  };
}

export function refreshReuse(account: string, at: number, extra: Extra<'token.refresh_reuse_detected'> = {}): AuditEventOf<'token.refresh_reuse_detected'> {
  return {
    type: 'token.refresh_reuse_detected',
    version: 1,
    at,
    actor: { kind: 'client', clientId: 'spa' },
    account,
    client: 'spa',
    tokenIdHash: hashId('token', `rt-${account}-${at}`),
    grantIdHash: hashId('grant', `grant-${account}`),
    consumedAt: at - 5 * MINUTE,
    grantRevoked: true,
    ...extra,
  };
}

export function keyRevoked(kid: string, at: number): AuditEventOf<'key.revoked'> {
  return { type: 'key.revoked', version: 1, at, actor: { kind: 'admin', id: 'admin-token' }, kid, alg: 'ES256', wasSigning: true };
}

export function adminCall(at: number, extra: Extra<'admin.api_called'> = {}): AuditEventOf<'admin.api_called'> {
  return { type: 'admin.api_called', version: 1, at, actor: { kind: 'admin', id: 'admin-token' }, method: 'POST', path: '/admin/users/disable', status: 200, ...extra };
}

export interface Run {
  state: AlertState;
  alerts: Alert[];
}

/** Feeds events through evaluate in order, the clock at each event's time (or `now`). */
export function run(events: readonly AuditEvent[], thresholds: Thresholds = DEFAULT_THRESHOLDS, from: AlertState = emptyState(), now?: (event: AuditEvent) => number): Run {
  let state = from;
  const alerts: Alert[] = [];
  for (const event of events) {
    const result = evaluate(state, event, now ? now(event) : event.at, thresholds);
    state = result.state;
    alerts.push(...result.alerts);
  }
  return { state, alerts };
}

/** `n` events from `at`, `every` ms apart. */
export function series<E>(n: number, at: number, every: number, make: (at: number, i: number) => E): E[] {
  return Array.from({ length: n }, (_, i) => make(at + i * every, i));
}
