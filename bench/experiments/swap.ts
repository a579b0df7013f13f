// For the experiments that replace one server module: a resolve hook hands every importer of
// `serverPath` (a path ending, e.g. '/server/account/usage.ts') the module at `wrapper` instead;
// the wrapper itself still imports the real one. No server code knows about the experiment.
import { registerHooks } from 'node:module';

export function swapModule(serverPath: string, wrapper: URL): void {
  const href = wrapper.href;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      if (resolved.url.endsWith(serverPath) && context.parentURL !== href) return { ...resolved, url: href, shortCircuit: true };
      return resolved;
    },
  });
}
