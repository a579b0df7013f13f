// Experiment: runs the Latchkey target without recording when and from where each app last used
// its access (server/account/usage.ts: the console's "last used"), everything else as configured
// by the runner. With --variant, latchkey ÷ usage-off is what that recording costs the token paths.
//   npm run bench -- --scenario cc-opaque --scenario refresh --variant bench/experiments/usage-off.ts
// The real module is swapped for a wrapper whose recording calls do nothing (reads still answer).
import { swapModule } from './swap.ts';

swapModule('/server/account/usage.ts', new URL('./usage-off-module.ts', import.meta.url));
