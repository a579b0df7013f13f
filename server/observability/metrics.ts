// Prometheus metrics (prom-client, Apache-2.0): what an operator watches. Requests by route (the
// route table's names: bounded labels, never a raw path) and status, their latency; what the
// audit trail sees (tokens issued, sign-ins, refresh token reuse, revocations, sessions); signing
// key ages and the next rotation; the signed-in sessions (estimated); the store's latency and errors; the audit sink; and Node's own
// (event loop lag, heap, GC) from collectDefaultMetrics.
import type { Middleware } from 'koa';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditEvent } from '../audit/catalogue.ts';
import { routeNameOf } from '../http/routes.ts';
import { cachedFor } from './cached.ts';

/** How long an instance keeps its sessions estimate. */
export const SESSIONS_ESTIMATE_TTL_MS = 60_000;

export interface MetricsSources {
  /** Live signing keys: kid, alg, state, created (epoch ms). */
  keys(): { kid: string; alg: string; state: string; createdAt: number }[];
  /** Epoch ms of the next scheduled rotation, when one is scheduled. */
  nextRotation(): number | undefined;
  /** One round trip to the store (PING). */
  ping(): Promise<void>;
  /** Signed-in browser sessions in the whole deployment, estimated (Store.oidc.estimateOwned). */
  sessionsActive(): Promise<number>;
  /** The audit trail's counts. */
  audit(): { written: number; refused: number; dropped: number };
  /** The webhook sink's, when there is one. */
  webhook(): { backlog: number; delivered: number; failed: number } | undefined;
}

// Node's own metrics are the process's, whatever the number of Latchkeys built in it (the tests
// build many): collected once, merged into each exposition.
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'latchkey_' });
    // Gauges that prom-client names like counters (`_total`): Prometheus' lint refuses them, and
    // what they count (handles and requests in flight) the event loop lag already shows.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) processRegistry.removeSingleMetric(`latchkey_${name}`);
  }
  return processRegistry;
}

export function createMetrics(sources: MetricsSources) {
  const registry = new Registry();
  const on = { registers: [registry] };

  const requests = new Counter({ name: 'latchkey_http_requests_total', help: 'HTTP requests answered, by route and status', labelNames: ['route', 'method', 'status'], ...on });
  const latency = new Histogram({
    name: 'latchkey_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route',
    labelNames: ['route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    ...on,
  });
  const tokens = new Counter({ name: 'latchkey_tokens_issued_total', help: 'Access and refresh tokens issued, by grant type, kind and client', labelNames: ['grant_type', 'kind', 'client'], ...on });
  const refreshes = new Counter({ name: 'latchkey_tokens_refreshed_total', help: 'Refresh tokens rotated', labelNames: ['client'], ...on });
  const signins = new Counter({ name: 'latchkey_signins_total', help: 'Sign-ins with a password or a passkey, by outcome (succeeded, or why they failed)', labelNames: ['outcome'], ...on });
  const reuse = new Counter({ name: 'latchkey_refresh_reuse_detected_total', help: 'Refresh tokens presented again after use (the grant is revoked)', labelNames: ['client'], ...on });
  const revocations = new Counter({ name: 'latchkey_revocations_total', help: 'Tokens and grants revoked, by what and why', labelNames: ['what', 'cause'], ...on });
  const sessions = new Counter({ name: 'latchkey_sessions_total', help: 'Browser sessions started and ended', labelNames: ['event'], ...on });
  const alerts = new Counter({ name: 'latchkey_alerts_total', help: 'Alerts raised on unusual access, by rule', labelNames: ['rule'], ...on });
  const storeErrors = new Counter({ name: 'latchkey_store_errors_total', help: 'Errors of the store connection (Redis)', ...on });

  new Gauge({
    name: 'latchkey_signing_key_age_seconds',
    help: 'Age of each published signing key, by kid, alg and state',
    labelNames: ['kid', 'alg', 'state'],
    ...on,
    collect() {
      this.reset();
      for (const key of sources.keys()) this.set({ kid: key.kid, alg: key.alg, state: key.state }, (Date.now() - key.createdAt) / 1000);
    },
  });
  new Gauge({
    name: 'latchkey_signing_key_next_rotation_seconds',
    help: 'Seconds until the next scheduled key rotation (absent when none is scheduled)',
    ...on,
    collect() {
      this.reset();
      const next = sources.nextRotation();
      if (next !== undefined) this.set(Math.max(0, (next - Date.now()) / 1000));
    },
  });
  new Gauge({
    name: 'latchkey_store_ping_seconds',
    help: 'One round trip to the store, measured at scrape time (-1 when it failed)',
    ...on,
    async collect() {
      const start = process.hrtime.bigint();
      try {
        await sources.ping();
        this.set(Number(process.hrtime.bigint() - start) / 1e9);
      } catch {
        this.set(-1);
      }
    },
  });
  // Every instance reports the same deployment-wide estimate (dashboards take max(), not sum()),
  // read at most once a minute per instance: sampling costs a thousand commands per Redis master.
  const sessionsActive = cachedFor(SESSIONS_ESTIMATE_TTL_MS, () => sources.sessionsActive());
  new Gauge({
    name: 'latchkey_sessions_active',
    help: 'Signed-in browser sessions in the whole deployment (every instance reports the same estimate, from a sample of Redis keys, refreshed each minute; exact on the memory store)',
    ...on,
    async collect() {
      this.reset();
      try {
        this.set(await sessionsActive());
      } catch {
        // The store is away: no sample rather than a wrong one (latchkey_store_ping_seconds says why).
      }
    },
  });
  // Counts kept by their owners (the trail, the webhook), read at scrape time; absent while
  // the owner does not exist.
  const counted = (name: string, help: string, read: () => number | undefined) =>
    new Counter({
      name: `${name}_total`,
      help,
      ...on,
      collect() {
        this.reset();
        const value = read();
        if (value !== undefined) this.inc(value);
      },
    });
  counted('latchkey_audit_events_written', 'Audit events stored in the stream', () => sources.audit().written);
  counted('latchkey_audit_events_refused', 'Audit events the catalogue refused (a bug: never stored)', () => sources.audit().refused);
  counted('latchkey_audit_events_dropped', 'Audit events the stream could not take (they are in the log)', () => sources.audit().dropped);
  counted('latchkey_audit_webhook_deliveries', 'Audit events the webhook receiver accepted (2xx)', () => sources.webhook()?.delivered);
  counted('latchkey_audit_webhook_failures', 'Webhook delivery attempts that failed (each is retried)', () => sources.webhook()?.failed);

  new Gauge({
    name: 'latchkey_audit_webhook_backlog',
    help: 'Audit events this instance holds for the webhook, waiting for a retry',
    ...on,
    collect() {
      this.reset();
      const webhook = sources.webhook();
      if (webhook) this.set(webhook.backlog);
    },
  });
  /** Counts what the audit trail records. */
  function observe(event: AuditEvent): void {
    switch (event.type) {
      case 'token.issued':
        tokens.inc({ grant_type: event.grantType, kind: event.tokenKind, client: event.client });
        break;
      case 'token.refreshed':
        refreshes.inc({ client: event.client });
        break;
      case 'signin.succeeded':
        signins.inc({ outcome: 'succeeded' });
        break;
      case 'signin.failed':
        signins.inc({ outcome: event.reason });
        break;
      case 'token.refresh_reuse_detected':
        reuse.inc({ client: event.client });
        break;
      case 'token.revoked':
        revocations.inc({ what: 'token', cause: event.cause });
        break;
      case 'grant.revoked':
        revocations.inc({ what: 'grant', cause: event.cause });
        break;
      case 'session.started':
        sessions.inc({ event: 'started' });
        break;
      case 'session.ended':
        sessions.inc({ event: 'ended' });
        break;
      case 'alert.raised':
        alerts.inc({ rule: event.rule });
        break;
    }
  }

  // The labelled series of each route, and of each route, method and status: prom-client hashes
  // a label set on every call, so each request looks its series up by one string instead. The
  // keys are bounded: route names and statuses are few, methods are one of METHODS or 'other'.
  const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
  const timers = new Map<string, ReturnType<typeof latency.labels>>();
  const counters = new Map<string, ReturnType<typeof requests.labels>>();
  const routes = new Map<string, string>();
  const routeOf = (path: string) => {
    let route = routes.get(path);
    if (route === undefined) {
      route = routeNameOf(path);
      // Paths are the caller's to choose: remember only a bounded number of them.
      if (routes.size < 1000) routes.set(path, route);
    }
    return route;
  };

  /** Times and counts every request, labelled by its route's name. */
  const middleware: Middleware = async (ctx, next) => {
    const route = routeOf(ctx.path);
    let timer = timers.get(route);
    if (!timer) timers.set(route, (timer = latency.labels(route)));
    const end = timer.startTimer();
    try {
      await next();
    } finally {
      end();
      const method = METHODS.has(ctx.method) ? ctx.method : 'other';
      const key = `${route} ${method} ${ctx.status}`;
      let counter = counters.get(key);
      if (!counter) counters.set(key, (counter = requests.labels(route, method, String(ctx.status))));
      counter.inc();
    }
  };

  return {
    registry,
    observe,
    middleware,
    storeError: () => storeErrors.inc(),
    async exposition(): Promise<{ contentType: string; body: string }> {
      const merged = Registry.merge([processMetrics(), registry]);
      return { contentType: registry.contentType, body: await merged.metrics() };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
