// Runs the model over a synthetic stream as a server would: in time order, every successful
// genuine sign-in is scored, then recorded into its account's history and into the global prior;
// every takeover attempt is scored and never recorded (a model must not learn from attacks).
// Failed password attempts are neither: risk is assessed once the password is right.
import { record } from '../../server/risk/history.ts';
import { DEFAULT_OPTIONS, type RiskOptions } from '../../server/risk/options.ts';
import { addToPriorInPlace, emptyPrior } from '../../server/risk/prior.ts';
import { score } from '../../server/risk/score.ts';
import type { Factor, RiskHistory } from '../../server/risk/types.ts';
import { emptyHistory } from '../../server/risk/history.ts';
import { locationPath } from '../../server/risk/features.ts';
import { knowsNetwork } from '../../server/risk/observe.ts';
import { START } from './rows.ts';
import { toSignIn, type AttackKind, type SyntheticSignIn } from './schema.ts';

export interface Scored {
  kind: 'genuine' | AttackKind;
  score: number;
  /** Recorded sign-ins of the account before this one. */
  history: number;
  /** Scored inside the evaluation window. */
  evaluated: boolean;
  context?: string;
  /** Whether the account knew the sign-in's network and device: for breakdowns. */
  knownNetwork: boolean;
  knownDevice: boolean;
  factors: Factor[];
}

export interface Evaluation {
  scored: Scored[];
  /** Milliseconds per score() call, every call. */
  timings: number[];
  /** JSON bytes of every history at the end, and of the prior. */
  historyBytes: number[];
  priorBytes: number;
}

const DAY = 86_400_000;

export function evaluate(events: SyntheticSignIn[], evaluateFrom: number, options: RiskOptions = DEFAULT_OPTIONS): Evaluation {
  const histories = new Map<string, { history: RiskHistory; count: number }>();
  const prior = emptyPrior();
  const scored: Scored[] = [];
  const timings: number[] = [];
  const windowStart = START + evaluateFrom * DAY;
  for (const event of events) {
    if (!event.row.loginSuccessful) continue;
    const signIn = toSignIn(event);
    let account = histories.get(event.row.userId);
    if (!account) histories.set(event.row.userId, (account = { history: emptyHistory(), count: 0 }));
    const started = performance.now();
    const assessment = score(account.history, prior, signIn, event.at, options);
    timings.push(performance.now() - started);
    scored.push({
      kind: event.attack ?? 'genuine',
      score: assessment.score,
      history: account.count,
      evaluated: event.at >= windowStart,
      ...(event.context ? { context: event.context } : {}),
      knownNetwork: knowsNetwork(account.history, locationPath(signIn)),
      knownDevice: signIn.deviceId !== undefined && account.history.dev[signIn.deviceId] !== undefined,
      factors: assessment.factors,
    });
    if (event.attack) continue;
    // A genuine person passes any step-up, so every genuine sign-in succeeds in the end.
    addToPriorInPlace(prior, account.history, signIn, options);
    account.history = record(account.history, signIn, { via: assessment.decision === 'allow' ? 'password' : 'step_up', ...(event.issuedDeviceId ? { deviceId: event.issuedDeviceId } : {}) }, options);
    account.count++;
  }
  return {
    scored,
    timings,
    historyBytes: [...histories.values()].map((a) => Buffer.byteLength(JSON.stringify(a.history))),
    priorBytes: Buffer.byteLength(JSON.stringify(prior)),
  };
}
