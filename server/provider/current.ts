// The live Provider. oidc-provider fixes its keystore in its constructor, so every new signing
// keyset means a new Provider; anything attached to the old one (event listeners above all)
// would be lost with it. Listeners register once with onBuild and are attached to every
// Provider ever built, before it serves its first request.
import type Provider from 'oidc-provider';

export type ProviderListener = (provider: Provider) => void;

export interface LiveProvider {
  /** The Provider serving new requests. Requests in flight keep the one they started with. */
  current(): Provider;
  /** Calls `listener` with the current Provider (if any) and with every one built after it. */
  onBuild(listener: ProviderListener): () => void;
  /** Makes `provider` current, after every listener has seen it. */
  install(provider: Provider): void;
}

export function createLiveProvider(): LiveProvider {
  let provider: Provider | undefined;
  const listeners = new Set<ProviderListener>();
  return {
    current() {
      if (!provider) throw new Error('no Provider has been built yet');
      return provider;
    },
    onBuild(listener) {
      listeners.add(listener);
      if (provider) listener(provider);
      return () => listeners.delete(listener);
    },
    install(next) {
      for (const listener of listeners) listener(next);
      provider = next;
    },
  };
}
