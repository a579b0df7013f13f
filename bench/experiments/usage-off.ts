// Experiment: runs the Latchkey target without recording when and from where each app last used
// its access (server/account/usage.ts: the console's "last used"), everything else as configured
// by the runner. With --variant, latchkey ÷ usage-off is what that recording costs the token paths.
//   npm run bench -- --scenario cc-opaque --scenario refresh --variant bench/experiments/usage-off.ts
// A resolve hook hands server/build.ts a wrapper of the real module whose recording calls do
// nothing (reads still answer), so no server code knows about the experiment.
import { registerHooks } from 'node:module';

const WRAPPER = new URL('./usage-off-module.ts', import.meta.url).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    if (resolved.url.endsWith('/server/account/usage.ts') && context.parentURL !== WRAPPER) return { ...resolved, url: WRAPPER, shortCircuit: true };
    return resolved;
  },
});
