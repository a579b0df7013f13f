// oidc-provider turns a client's metadata from the adapter into a Client on every lookup, by
// hashing the metadata's JSON (models/client.js, find) to find the Client built from it before;
// the token, introspection and userinfo endpoints look up one or two clients per request. The
// client registry hands out the very same metadata object for as long as its cache entry lives,
// so the Client built from that object is kept beside it and a lookup meanwhile is one WeakMap
// hit. A new object (the entry expired or was invalidated) goes through oidc-provider's own find
// again: validation and staleness stay exactly the registry's.
import type { Adapter } from 'oidc-provider';
import type Provider from 'oidc-provider';

type Client = NonNullable<Awaited<ReturnType<Provider['Client']['find']>>>;

/** staticIds: the clients of oidc-provider's `clients` option, which its find answers from memory. */
export function reuseClientInstances(provider: Provider, adapter: Adapter, staticIds: ReadonlySet<string>): void {
  const Client = provider.Client;
  const find = Client.find.bind(Client);
  const built = new WeakMap<object, Client>();
  Client.find = async (id: string) => {
    // Static clients take precedence in oidc-provider and never touch the adapter: nor here.
    const metadata = typeof id === 'string' && id && !staticIds.has(id) ? await adapter.find(id) : undefined;
    if (!metadata) return find(id);
    let client = built.get(metadata);
    if (!client) {
      client = await find(id);
      if (client) built.set(metadata, client);
    }
    return client;
  };
}
