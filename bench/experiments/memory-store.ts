// Experiment, not a fix: runs the Latchkey target on the in-memory store (NODE_ENV=test, since
// production refuses it), everything else as configured by the runner. Against the baseline it
// shows what Latchkey itself costs (middleware, client registry, adapter); against a normal run,
// what Redis costs.
//   npm run bench -- --scenario cc-opaque --latchkey-import bench/experiments/memory-store.ts
process.env.NODE_ENV = 'test';
delete process.env.REDIS_URL;
