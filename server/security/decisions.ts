// Throttling decisions, pure: counts and the state of a window in, a decision out. No I/O and no
// clock of their own: the wrappers (sign-in, client authentication, admin, device) read the
// limiters and act on what these say. Tested with data in test/security/decisions.test.ts.

export type Decision =
  | { kind: 'allow' }
  /** Allowed after a short wait, served inside the request. */
  | { kind: 'delay'; ms: number; reason: string }
  /** Refused: try again after `retryAfter` seconds (429, Retry-After). */
  | { kind: 'refuse'; retryAfter: number; reason: string };

export const ALLOW: Decision = { kind: 'allow' };

/**
 * Growing delays: the first `free` failures in a window cost nothing; from then on each attempt
 * must come at least a cooldown after the one before, a cooldown that doubles from
 * `firstCooldown` up to `maxCooldown` seconds.
 */
export interface CooldownRule {
  free: number;
  windowSeconds: number;
  firstCooldown: number;
  maxCooldown: number;
}

/** The cooldown an attempt opens when `prior` failures came before it in the window; 0: none. */
export function cooldownSeconds(prior: number, rule: CooldownRule): number {
  if (prior < rule.free) return 0;
  const doublings = Math.min(prior - rule.free, 30);
  return Math.min(rule.maxCooldown, rule.firstCooldown * 2 ** doublings);
}

/** Whole seconds a client is told to wait, never 0 (Retry-After: 0 invites a retry storm). */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * An attempt meets a cooldown gate: it either took the gate (the previous cooldown is over), or
 * the gate is held for `msBeforeNext` more. A short wait is served inline, unless too many
 * requests are already waiting on this instance: a wait holds a connection, and waits must not
 * pile up without bound.
 */
export function gateDecision(
  gate: { acquired: boolean; msBeforeNext: number },
  reason: string,
  inline: { maxDelayMs: number; waiting: number; maxWaiting: number },
): Decision {
  if (gate.acquired) return ALLOW;
  if (gate.msBeforeNext <= inline.maxDelayMs && inline.waiting < inline.maxWaiting) return { kind: 'delay', ms: gate.msBeforeNext, reason };
  return { kind: 'refuse', retryAfter: retryAfterSeconds(gate.msBeforeNext), reason };
}

/** A plain budget: `limit` failures per window; past it, refused until the window ends. */
export interface FailureBudget {
  limit: number;
  windowSeconds: number;
}

export function budgetDecision(failures: { consumed: number; msBeforeNext: number } | undefined, budget: FailureBudget, reason: string): Decision {
  if (!failures || failures.consumed < budget.limit) return ALLOW;
  return { kind: 'refuse', retryAfter: retryAfterSeconds(failures.msBeforeNext), reason };
}

/** The most restrictive of several decisions: a refusal over a delay over an allowance, and the
 * longest wait among refusals. */
export function strictest(decisions: Decision[]): Decision {
  let worst: Decision = ALLOW;
  for (const d of decisions) {
    if (d.kind === 'refuse' && (worst.kind !== 'refuse' || d.retryAfter > worst.retryAfter)) worst = d;
    else if (d.kind === 'delay' && (worst.kind === 'allow' || (worst.kind === 'delay' && d.ms > worst.ms))) worst = d;
  }
  return worst;
}

/**
 * Device polling (RFC 8628 §3.5): at most one poll per interval. A poll inside the interval gets
 * slow_down, and the interval grows by 5 seconds "for this and all subsequent requests"; a
 * device that keeps polling too fast after `maxSlowDowns` warnings is cut off (access_denied).
 */
export interface PollingRule {
  intervalSeconds: number;
  maxSlowDowns: number;
}

export type PollDecision = { kind: 'allow' } | { kind: 'slow_down'; intervalSeconds: number } | { kind: 'deny' };

/** The interval a device must keep after `slowDowns` slow_down answers. */
export function pollInterval(slowDowns: number, rule: PollingRule): number {
  return rule.intervalSeconds + 5 * slowDowns;
}

/** `polls`: polls in the current interval window, this one included; `slowDowns`: slow_down
 * answers so far, this device code. */
export function pollDecision(state: { polls: number; slowDowns: number }, rule: PollingRule): PollDecision {
  if (state.slowDowns > rule.maxSlowDowns) return { kind: 'deny' };
  if (state.polls <= 1) return { kind: 'allow' };
  if (state.slowDowns + 1 > rule.maxSlowDowns) return { kind: 'deny' };
  return { kind: 'slow_down', intervalSeconds: pollInterval(state.slowDowns + 1, rule) };
}

/** "30 seconds", "1 minute", "5 minutes": how long to wait, in words a person reads. */
export function inWords(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
