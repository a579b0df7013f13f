// Experiment: runs the Latchkey target without the alert rules' follower of the audit stream
// (server/alerts/runner.ts), everything else as configured by the runner. With --variant,
// latchkey ÷ alerts-off is what following the stream costs the token paths.
//   npm run bench -- --scenario cc-opaque --variant bench/experiments/alerts-off.ts
import { registerHooks } from 'node:module';

const STUB = new URL('./alerts-off-module.ts', import.meta.url).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    if (resolved.url.endsWith('/server/alerts/runner.ts') && context.parentURL !== STUB) return { ...resolved, url: STUB, shortCircuit: true };
    return resolved;
  },
});
