// Wires what watches Latchkey: the audit trail (oidc-provider's events and Latchkey's own, ids
// hashed, to the log and a stream), the metrics, the alert rules over the trail and the webhook
// sink. build.ts calls it once; close() stops the followers and writes what is queued.
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../../config/index.ts';
import type { Activity } from '../account/activity.ts';
import { ALERT_FEED, startAlerts } from '../alerts/runner.ts';
import { resolveThresholds, type ThresholdOverrides, type Thresholds } from '../alerts/thresholds.ts';
import type { AuditEvent } from '../audit/catalogue.ts';
import { envelopeOf, type Auditor } from '../audit/context.ts';
import { createIdHasher } from '../audit/ids.ts';
import { keyEvents } from '../audit/key-events.ts';
import { auditProviderEvents } from '../audit/provider-events.ts';
import { auditRegistrationEvents } from '../audit/registration-events.ts';
import { createAuditTrail } from '../audit/trail.ts';
import { startWebhook } from '../audit/webhook.ts';
import { derive } from '../crypto/derived-keys.ts';
import type { GeoLookup } from '../geo/lookup.ts';
import type { KeyManagerDeps } from '../keys/manager.ts';
import type { StoredKeyset } from '../keys/keyset.ts';
import { createMetrics } from '../observability/metrics.ts';
import { auditProviderRefusals } from '../observability/refusals.ts';
import type { LiveProvider } from '../provider/current.ts';
import type { Store } from '../store/types.ts';

export interface ObserveDeps {
  config: Config;
  store: Store;
  logger: Logger;
  geo: GeoLookup | undefined;
  live: Pick<LiveProvider, 'onBuild'>;
  /** The keyset in use, for the key metrics. */
  keyset: () => StoredKeyset | undefined;
  /** Each person's security activity, told of alerts that concern them. */
  activity: () => Activity;
  /** The person mailed of an alert that concerns them (lifecycle/notify.ts, `unusual-access`). */
  mailAlert?: (account: string, message: string, at: number) => void;
}

function thresholdsOf(config: Config): Thresholds {
  try {
    return resolveThresholds(config.alertThresholds as ThresholdOverrides);
  } catch (err) {
    throw new ConfigError([`ALERT_THRESHOLDS: ${(err as Error).message.replace(/^alert thresholds: /, '')}`]);
  }
}

export async function observe({ config, store, logger, geo, live, keyset, activity, mailAlert }: ObserveDeps) {
  const thresholds = thresholdsOf(config);
  const rotations = config.keys.rotationSchedule ? new Cron(config.keys.rotationSchedule, { timezone: 'UTC', paused: true }) : undefined;
  const metrics = createMetrics({
    keys: () => keyset()?.keys ?? [],
    nextRotation: () => rotations?.nextRun()?.getTime(),
    ping: () => store.ping(),
    sessionsActive: () => store.oidc.estimateOwned('Session'),
    audit: () => audit.counts,
    webhook: () => webhook && { backlog: webhook.backlog(), ...webhook.counts },
  });
  const audit = createAuditTrail({ streams: store.streams, logger, maxEvents: config.audit.maxEvents, maxAgeMs: config.audit.maxAgeMs, listeners: [metrics.observe], feeds: [ALERT_FEED] });
  const auditor: Auditor = {
    record: config.audit.enabled ? (event) => audit.record(event) : () => {},
    hashId: createIdHasher(derive(config.keysEncryptionKeys[0]!, 'latchkey audit id hashes')),
    envelope: (ctx) => envelopeOf(ctx, () => geo),
  };
  // Off, nothing is built at all: no envelope, no hashing, no listener on oidc-provider's events.
  if (config.audit.enabled) {
    live.onBuild((built) => {
      auditProviderEvents(built, auditor);
      auditRegistrationEvents(built, auditor);
      auditProviderRefusals(built, auditor);
    });
  }

  const alerts = config.audit.enabled
    ? startAlerts({
        streams: store.streams,
        locks: store.locks,
        thresholds,
        record: auditor.record,
        logger,
        // The person hears of what concerns their account, in their security activity.
        tell: (alert) => {
          void activity().record(alert.account!, { kind: 'alert', text: alert.personMessage!, at: alert.at }).catch(() => undefined);
          mailAlert?.(alert.account!, alert.personMessage!, alert.at);
        },
      })
    : undefined;
  const webhook = config.audit.enabled && config.audit.webhook ? await startWebhook({ streams: store.streams, logger, ...config.audit.webhook }) : undefined;

  /** For the key manager: scheduled changes are the system's, the rest the admin token's. */
  const onKeyTransitions: NonNullable<KeyManagerDeps['onTransitions']> = (operation, transitions) => {
    const actor = operation.kind === 'scheduled' ? { kind: 'system' as const, component: 'key-rotation' } : { kind: 'admin' as const, id: 'admin-token' };
    for (const event of keyEvents(operation, transitions, { at: Date.now(), actor })) auditor.record(event as AuditEvent);
  };

  return {
    audit,
    auditor,
    metrics,
    alerts,
    webhook,
    onKeyTransitions,
    async close(): Promise<void> {
      await alerts?.stop();
      await webhook?.stop();
      await audit.close();
    },
  };
}
