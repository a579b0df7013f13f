// Experiment: runs the Latchkey target without the alert rules' follower of the audit stream
// (server/alerts/runner.ts), everything else as configured by the runner. With --variant,
// latchkey ÷ alerts-off is what following the stream costs the token paths.
//   npm run bench -- --scenario cc-opaque --variant bench/experiments/alerts-off.ts
import { swapModule } from './swap.ts';

swapModule('/server/alerts/runner.ts', new URL('./alerts-off-module.ts', import.meta.url));
