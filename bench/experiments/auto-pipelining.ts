// Experiment, not a fix: turns on ioredis auto-pipelining (commands issued in the same tick go
// out in one write) for Latchkey without touching server code, to measure what the one-line
// change in server/store/redis.ts (COMMON: enableAutoPipelining: true) would gain.
//   npm run bench -- --scenario cc-opaque --latchkey-import bench/experiments/auto-pipelining.ts
import { Redis } from 'ioredis';

// defaultOptions is what every new client's options are defaulted from (private in the types).
(Redis as unknown as { defaultOptions: Record<string, unknown> }).defaultOptions.enableAutoPipelining = true;
