// Experiment: runs the Latchkey target with the audit trail off (AUDIT=false), everything else as
// configured by the runner. Against a normal run in the same session, what auditing costs.
//   npm run bench -- --scenario refresh --latchkey-import bench/experiments/audit-off.ts
process.env.AUDIT = 'false';
