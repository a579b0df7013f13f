// The risk model at work: scores a sign-in against its account's stored history and the global
// prior, records the successful ones, and takes the owner's feedback. The only I/O beside the
// pure model (score.ts, history.ts, prior.ts) is the store (store.ts).
//
// The prior is a few hundred KB, read by every sign-in: each instance keeps a copy, reread every
// PRIOR_REFRESH_MS, and adds its own successful sign-ins to the stored one in batches, every
// PRIOR_FLUSH_MS, under a lock (so that two instances never overwrite each other's batch). A
// history is read, changed and written per sign-in; two sign-ins of one account at the same
// moment can lose one of the two records (the model forgets one sign-in: harmless).
import type { Locks } from '../store/types.ts';
import { feedback as feedbackOn, record as recordIn } from './history.ts';
import type { RiskOptions } from './options.ts';
import { addToPriorInPlace, prunePrior } from './prior.ts';
import { score } from './score.ts';
import { signInKey } from './features.ts';
import type { RiskHistoryStore, ScoredSignIn } from './store.ts';
import type { Assessment, GlobalPrior, RiskHistory, SignIn, SignInOutcome, Verdict } from './types.ts';

const PRIOR_REFRESH_MS = 60_000;
const PRIOR_FLUSH_MS = 30_000;
/** Sign-ins waiting for the prior, at most (the oldest dropped first: the prior is a sample). */
const MAX_PENDING = 2_000;
const LOCK_MS = 10_000;

export interface Scored {
  accountId: string;
  signIn: SignIn;
  assessment: Assessment;
  /** The history it was scored against (what recording and the prior measure it by). */
  history: RiskHistory;
}

export interface RiskEngine {
  assess(accountId: string, signIn: SignIn): Promise<Scored>;
  /** Keeps it for the owner's feedback; `recorded` when it also went into the history. */
  keep(scored: Scored, recorded: boolean, outcome?: SignInOutcome): Promise<void>;
  /** A successful sign-in: into the account's history, and (in the next batch) the prior. */
  record(scored: Scored, outcome: SignInOutcome): Promise<void>;
  /** The owner's word on a kept sign-in; false when it is no longer kept. */
  feedback(accountId: string, key: string, verdict: Verdict): Promise<boolean>;
  /** Adds the waiting sign-ins to the stored prior now (the timer does it every 30 s). */
  flushPrior(): Promise<void>;
  stop(): Promise<void>;
}

export function riskEngine(store: RiskHistoryStore, locks: Locks, options: RiskOptions, onError: (err: unknown) => void, now = Date.now): RiskEngine {
  let prior: GlobalPrior | undefined;
  let priorReadAt = 0;
  let reading: Promise<GlobalPrior> | undefined;
  let pending: { history: RiskHistory; signIn: SignIn }[] = [];
  let flushing: Promise<void> | undefined;

  const readPrior = (): Promise<GlobalPrior> =>
    (reading ??= store
      .getPrior()
      .then((read) => {
        prior = read;
        return read;
      })
      .finally(() => {
        // A failed refresh, too, waits its turn: the copy in hand serves meanwhile, and a store in
        // trouble is not asked for the whole prior again at every sign-in.
        priorReadAt = now();
        reading = undefined;
      }));

  async function currentPrior(): Promise<GlobalPrior> {
    if (!prior) return readPrior();
    // Stale: served as it is while a fresh copy is read.
    if (now() - priorReadAt > PRIOR_REFRESH_MS) void readPrior().catch(onError);
    return prior;
  }

  async function flush(): Promise<void> {
    if (!pending.length) return;
    const lock = await locks.acquire('risk-prior', LOCK_MS);
    if (!lock) return; // another instance is writing: this batch waits for the next round
    const batch = pending;
    pending = [];
    try {
      const stored = await store.getPrior();
      for (const { history, signIn } of batch) addToPriorInPlace(stored, history, signIn, options);
      const pruned = prunePrior(stored, now(), options);
      await store.putPrior(pruned);
      prior = pruned;
      priorReadAt = now();
    } catch (err) {
      pending = [...batch, ...pending].slice(-MAX_PENDING);
      throw err;
    } finally {
      await locks.release('risk-prior', lock).catch(() => undefined);
    }
  }
  const flushPrior = () => (flushing ??= flush().finally(() => (flushing = undefined)));

  const timer = setInterval(() => void flushPrior().catch(onError), PRIOR_FLUSH_MS);
  timer.unref();

  return {
    async assess(accountId, signIn) {
      const [history, global] = await Promise.all([store.getHistory(accountId), currentPrior()]);
      return { accountId, signIn, history, assessment: score(history, global, signIn, now(), options) };
    },
    async keep({ accountId, signIn, assessment }, recorded, outcome) {
      const kept: ScoredSignIn = { key: signInKey(signIn), signIn, decision: assessment.decision, recorded, ...(outcome ? { outcome } : {}) };
      await store.keepScored(accountId, kept);
    },
    async record({ accountId, signIn, history }, outcome) {
      // Read again: another sign-in of the account may have been recorded since this was scored.
      const current = await store.getHistory(accountId);
      await store.putHistory(accountId, recordIn(current, signIn, outcome, options));
      pending.push({ history, signIn });
      if (pending.length > MAX_PENDING) pending.shift();
    },
    async feedback(accountId, key, verdict) {
      const kept = await store.findScored(accountId, key);
      if (!kept) return false;
      const history = await store.getHistory(accountId);
      await store.putHistory(accountId, feedbackOn(history, kept.signIn, verdict, now(), kept.outcome, options));
      return true;
    },
    flushPrior,
    async stop() {
      clearInterval(timer);
      await flushPrior().catch(onError);
    },
  };
}
