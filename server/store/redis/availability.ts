// Whether Redis can be reached, as the store sees it, and the guard every store operation runs
// through: a failure that means "Redis is not there right now" (refused, closed, timed out,
// loading, failing over) becomes a StoreUnavailableError, which every endpoint answers as 503
// temporarily_unavailable with Retry-After instead of a 500. The state changes once per outage,
// so the log says once that Redis is gone and once that it is back, not a line per request.
import type { Cluster, Redis } from 'ioredis';
import { ReplyError } from 'ioredis';
import { LatchkeyError, StoreUnavailableError } from '../../errors.ts';

export interface AvailabilityChange {
  up: boolean;
  /** Why it is down (the first failure seen), without any payload. */
  reason?: string;
  /** When it comes back: how long it was away. */
  downForMs?: number;
}

// Replies that mean the server (or the cluster) cannot serve right now, not that the command is
// wrong: a restart replaying its AOF, a replica promoted or demoted, a cluster reshaping.
// MOVED and ASK too: ioredis follows them for a command on its own, but not inside an
// auto-pipelined batch whose commands were redirected differently (lib/Pipeline.ts retries a
// batch only when every error is the same), which is what a Cluster failover produces. The
// command was not run, so the request answers 503 and the slot map is refreshed (onRedirect).
const UNAVAILABLE_REPLIES = /^(LOADING|READONLY|CLUSTERDOWN|MASTERDOWN|TRYAGAIN|NOREPLICAS|BUSY|NOAUTH|UNBLOCKED|MOVED|ASK)\b/;
const REDIRECTED = /^(MOVED|ASK)\b/;
// ioredis's own failures carry no type of their own (plain Errors, or these names); the texts are
// ioredis 6's (lib/Redis.ts, lib/cluster/index.ts, lib/Command.ts). A change of text fails the
// tests in test/faults/, which drive each of these states with a real redis-server.
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError', 'AbortError']);
const UNAVAILABLE_TEXTS =
  /Command timed out|Connection is closed|Stream isn't writeable|enableOfflineQueue|Failed to refresh slots cache|None of startup nodes is available|All sentinels are unreachable|Too many Cluster redirections|Cluster isn't ready|Connection in subscriber mode|connect ETIMEDOUT|ECONNREFUSED|ECONNRESET|EPIPE/;
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTCONN', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** Whether an error from a Redis command means Redis is unavailable (rather than a bug). */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof LatchkeyError) return false;
  if (error instanceof ReplyError) return UNAVAILABLE_REPLIES.test(error.message);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  return UNAVAILABLE_NAMES.has(error.name) || UNAVAILABLE_TEXTS.test(error.message);
}

function reasonOf(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string };
  return e?.code ?? e?.message?.slice(0, 120) ?? e?.name ?? 'unknown';
}

const PROBE_EVERY_MS = 100;
const isTimeout = (error: unknown) => error instanceof Error && error.message === 'Command timed out';

export interface Availability {
  /** Runs a store operation: a success says Redis is there, an unavailability says it is not.
   * While Redis is known to hang, the operation is not started: it fails at once. */
  run<T>(operation: () => Promise<T>): Promise<T>;
  /** Wraps every method of a store part with run(). */
  guarded<T extends object>(part: T): T;
  /** Follows the connection: closed is down at once, ready is up. */
  watch(client: Redis | Cluster): void;
  stop(): void;
}

export interface AvailabilityOptions {
  /** Tells whether a hung server answers again (a PING). */
  probe: () => Promise<unknown>;
  /** The most any operation may take. */
  timeoutMs: number;
  /** A reply said the key lives elsewhere now (a Cluster failover): refresh the slot map. */
  onRedirect?: () => void;
}

/**
 * Every operation has `timeoutMs` at most. `probe` (a PING) is what tells a hung server has come
 * back: after a command timed out, nothing else is sent to Redis (every operation fails at once
 * instead of each waiting the whole command timeout, several in a row for some requests) until a
 * probe, one at a time, answers.
 */
export function availability(onChange: (change: AvailabilityChange) => void, { probe, timeoutMs, onRedirect }: AvailabilityOptions): Availability {
  let downSince: number | undefined;
  let hung: NodeJS.Timeout | undefined;
  let probing = false;

  function startProbing() {
    if (hung) return;
    hung = setInterval(() => {
      if (probing) return;
      probing = true;
      probe().then(
        () => markUp(),
        () => undefined,
      ).finally(() => (probing = false));
    }, PROBE_EVERY_MS);
    hung.unref();
  }

  function markDown(error: unknown) {
    if (downSince !== undefined) return;
    downSince = Date.now();
    onChange({ up: false, reason: reasonOf(error) });
  }
  function markUp() {
    if (downSince === undefined) return;
    const downForMs = Date.now() - downSince;
    downSince = undefined;
    clearInterval(hung);
    hung = undefined;
    onChange({ up: true, downForMs });
  }

  function run<T>(operation: () => Promise<T>): Promise<T> {
    if (hung) return Promise.reject(new StoreUnavailableError(new Error('Redis does not answer (a command timed out); waiting for a PING to answer')));
    let started: Promise<T>;
    try {
      started = Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error);
    }
    // ioredis times each command from when it is written, and auto-pipelining holds a batch back
    // until the one before it has answered: on a hung server a command would wait one timeout
    // queued and another sent. The operation's own deadline bounds it to one.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('Command timed out')), timeoutMs);
    });
    return Promise.race([started, deadline]).finally(() => clearTimeout(timer)).then(
      (value) => {
        markUp();
        return value;
      },
      (error: unknown) => {
        if (!isUnavailable(error)) throw error;
        markDown(error);
        if (isTimeout(error)) startProbing();
        if (error instanceof ReplyError && REDIRECTED.test((error as Error).message)) onRedirect?.();
        throw new StoreUnavailableError(error);
      },
    );
  }

  return {
    run,
    guarded<T extends object>(part: T): T {
      const out: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(part)) {
        out[name] =
          typeof value === 'function'
            ? (...args: unknown[]) => run(() => (value as (...a: unknown[]) => Promise<unknown>).apply(part, args))
            : value;
      }
      return out as T;
    },
    watch(client) {
      // 'close' without a 'ready' after it: the connection is gone (server stopped, network cut).
      // A lost connection is noticed at once, even with no request to fail.
      client.on('close', () => {
        if (client.status !== 'ready') markDown(new Error('connection closed'));
      });
      client.on('ready', markUp);
    },
    stop() {
      clearInterval(hung);
      hung = undefined;
    },
  };
}
