// Experiment: runs the Latchkey target with the learned risk model off (RISK=false), everything
// else as configured by the runner. Against a normal run in the same session, what scoring every
// sign-in costs.
//   npm run bench -- --scenario authcode-login --latchkey-import bench/experiments/risk-off.ts
process.env.RISK = 'false';
