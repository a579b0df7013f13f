// The key manager: every change to the keyset (scheduled rotation, `keys rotate`, `keys revoke`,
// `keys rewrap`) goes through apply(): under a store lock with expiry, computed by the pure state
// machine from the keyset read under that lock, and written with a fencing check (the write
// applies only over that exact keyset). Every instance then learns of the new keyset through a
// pub/sub notification, or at the latest by polling every `pollMs`, and rebuilds its Provider.
import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { BusyError } from '../errors.ts';
import type { Events, Locks } from '../store/types.ts';
import type { StoredKeyset } from './keyset.ts';
import type { Keystore } from './keystore.ts';
import { isDue, revoke, rotate, rotateNow, stageNext, type FreshKeys, type Plan, type RotationPolicy } from './rotation.ts';

const LOCK = 'keys';
const LOCK_TTL_MS = 30_000;
const CHANNEL = 'keys';
// Handed to changes that asked for no key material; reading it is a programming error.
const NO_FRESH_KEYS = new Proxy({} as FreshKeys, {
  get() {
    throw new Error('this key change was applied without fresh keys');
  },
});

export class KeysBusyError extends BusyError {
  override name = 'KeysBusyError';
}

export interface KeyManagerDeps {
  keystore: Keystore;
  locks: Locks;
  events: Events;
  policy: RotationPolicy;
  /** A cron expression (UTC); undefined runs no scheduled rotation. */
  schedule?: string;
  pollMs: number;
  logger: Logger;
  now?: () => number;
  /** Told of every stored change's transitions, and what asked for it (the audit trail). */
  onTransitions?: (operation: KeyOperationKind, transitions: Plan['transitions']) => void;
}

/** What asked for a change of the keyset. */
export type KeyOperationKind = { kind: 'scheduled' } | { kind: 'stage' } | { kind: 'rotate-now' } | { kind: 'revoke'; kid: string };

export interface KeyManager {
  readonly policy: RotationPolicy;
  /** Follows the stored keyset (calling onChange for each new version) and runs the schedule,
   * catching up once on a slot missed while no instance was running. */
  start(initial: StoredKeyset, onChange: (keyset: StoredKeyset) => void): Promise<void>;
  stop(): Promise<void>;
  /** The scheduled rotation for `slot` (default: the latest slot); false when it was not due or
   * another instance is doing it. */
  runScheduled(slot?: number): Promise<boolean>;
  /** Stages fresh next keys; with `now`, they sign at once. */
  rotate(options: { now: boolean }): Promise<StoredKeyset>;
  revoke(kid: string): Promise<StoredKeyset>;
  rewrap(): Promise<StoredKeyset>;
  /** Reads the stored keyset and applies it if newer than the one in use. */
  refresh(): Promise<void>;
}

export function createKeyManager({ keystore, locks, events, policy, schedule, pollMs, logger, now = () => Date.now(), onTransitions }: KeyManagerDeps): KeyManager {
  let inUse: StoredKeyset | undefined;
  let onChange: (keyset: StoredKeyset) => void = () => {};
  let job: Cron | undefined;
  let poller: NodeJS.Timeout | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  const pattern = schedule ? new Cron(schedule, { timezone: 'UTC', paused: true }) : undefined;

  function follow(keyset: StoredKeyset) {
    if (inUse && keyset.version <= inUse.version) return;
    inUse = keyset;
    onChange(keyset);
  }

  async function refresh() {
    try {
      const keyset = await keystore.read();
      if (keyset) follow(keyset);
    } catch (err) {
      logger.warn({ err }, 'could not read the signing keyset; keeping the one in use');
    }
  }

  /** Runs one change under the lock; undefined when there was nothing to do. */
  /** `fresh: false` for changes that create no key (rewrap): generating an RSA key is not free. */
  async function apply(
    change: (keyset: StoredKeyset, fresh: FreshKeys) => Plan | undefined,
    { fresh = true, operation }: { fresh?: boolean; operation?: KeyOperationKind } = {},
  ): Promise<StoredKeyset | undefined> {
    const token = await locks.acquire(LOCK, LOCK_TTL_MS);
    if (!token) throw new KeysBusyError('another instance is changing the signing keys; try again in a moment');
    try {
      const current = await keystore.read();
      if (!current) throw new Error('no signing keyset in the store');
      const plan = change(current, fresh ? await keystore.fresh() : NO_FRESH_KEYS);
      if (!plan) return undefined;
      if (!(await keystore.replace(current, plan.keyset))) {
        throw new KeysBusyError('the signing keyset changed while this change was computed; nothing was written');
      }
      for (const t of plan.transitions) logger.info({ event: 'key.transition', kid: t.kid, alg: t.alg, from: t.from, to: t.to, version: plan.keyset.version }, 'signing key transition');
      if (operation && plan.transitions.length) onTransitions?.(operation, plan.transitions);
      follow(plan.keyset);
      await events.publish(CHANNEL, String(plan.keyset.version)).catch((err: unknown) => logger.warn({ err }, 'could not announce the new keyset; other instances will poll'));
      return plan.keyset;
    } finally {
      await locks.release(LOCK, token).catch(() => undefined);
    }
  }

  const latestSlot = (at: number) => pattern?.previousRuns(1, new Date(at + 1))[0]?.getTime();

  async function runScheduled(slot = latestSlot(now())) {
    try {
      // Most checks (every instance at start-up, every instance at each slot but one) find
      // nothing due: answer those without the lock or new key material. apply() checks again
      // under the lock.
      const stored = await keystore.read();
      if (!stored || !isDue(stored, slot)) return false;
      const done = await apply((keyset, fresh) => (isDue(keyset, slot) ? rotate(keyset, now(), policy, fresh, randomUUID(), slot) : undefined), { operation: { kind: 'scheduled' } });
      return done !== undefined;
    } catch (err) {
      if (err instanceof KeysBusyError) return false;
      logger.error({ err }, 'scheduled key rotation failed');
      return false;
    }
  }

  const required = async (change: Parameters<typeof apply>[0], operation: KeyOperationKind) => (await apply(change, { operation }))!;

  return {
    policy,
    async start(initial, listener) {
      inUse = initial;
      onChange = listener;
      unsubscribe = await events.subscribe(CHANNEL, () => void refresh());
      poller = setInterval(() => void refresh(), pollMs);
      poller.unref();
      if (schedule) {
        job = new Cron(schedule, { timezone: 'UTC', protect: true }, () => {
          void runScheduled();
        });
        await runScheduled(); // catch up once on a slot missed while everything was down
      }
    },
    async stop() {
      job?.stop();
      clearInterval(poller);
      await unsubscribe?.();
    },
    runScheduled,
    rotate: ({ now: immediately }) =>
      required((keyset, fresh) => (immediately ? rotateNow(keyset, now(), policy, fresh, randomUUID()) : stageNext(keyset, now(), fresh)), { kind: immediately ? 'rotate-now' : 'stage' }),
    revoke: (kid) => required((keyset, fresh) => revoke(keyset, kid, now(), fresh), { kind: 'revoke', kid }),
    rewrap: async () => (await apply((keyset) => ({ keyset: keystore.rewrap(keyset), transitions: [] }), { fresh: false }))!,
    refresh,
  };
}
