// Experiment: runs the Latchkey target with audit events built, checked and logged as usual but
// never appended to the store (server/audit/trail.ts given streams whose append does nothing).
// Against audit-off.ts in the same run, it splits auditing's cost into building the events and
// writing them to Redis.
//   npm run bench -- --scenario cc-opaque --variant bench/experiments/audit-off.ts --variant bench/experiments/audit-unstored.ts
import { swapModule } from './swap.ts';

swapModule('/server/audit/trail.ts', new URL('./audit-unstored-module.ts', import.meta.url));
