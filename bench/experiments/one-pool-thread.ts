// Experiment, not a fix: libuv's thread pool (where bcrypt runs) shrunk to one thread, read by
// libuv when the pool first starts, which is after this preload. With the server pinned to one
// CPU, four bcrypt threads out-vote the event loop 4:1 for CPU time; one thread makes it 1:1.
//   npm run bench -- --scenario login-storm --latchkey-import bench/experiments/one-pool-thread.ts
process.env.UV_THREADPOOL_SIZE = '1';
