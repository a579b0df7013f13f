// The risk model's public face. Scoring and recording are pure; the store is the only I/O.
//
//   const history = await store.getHistory(accountId);
//   const assessment = score(history, prior, signIn, Date.now());   // allow | step_up | deny
//   … on success (password, or password and step-up):
//   await store.putHistory(accountId, record(history, signIn, { via, deviceId }));
//   prior = addToPrior(prior, history, signIn);                     // the history it was scored with
export type { Assessment, Decision, Factor, FeatureName, GlobalPrior, RiskHistory, SignIn, SignInOutcome, Verdict } from './types.ts';
export { DEFAULT_OPTIONS, riskOptions, type RiskOptions, type RiskOverrides } from './options.ts';
export { emptyHistory, feedback, prune, record } from './history.ts';
export { addToPrior, addToPriorInPlace, emptyPrior, prunePrior } from './prior.ts';
export { decide, score } from './score.ts';
export { riskHistoryStore, type RiskHistoryStore, type ScoredSignIn } from './store.ts';
