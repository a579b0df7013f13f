// The oidc-provider adapter (configuration option `adapter`) over an OidcStore.
// See node_modules/oidc-provider/lib/adapters/memory_adapter.js for the reference semantics.
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import type { OidcPayload, OidcStore } from '../store/types.ts';
import { alreadyConsumed } from './internals.ts';

// Both shapes are plain JSON objects; the store does not know oidc-provider's claim names.
const toProvider = (payload: OidcPayload | undefined) => payload as AdapterPayload | undefined;
const fromProvider = (payload: AdapterPayload) => payload as OidcPayload;

class StoreAdapter implements Adapter {
  readonly #model: string;
  readonly #store: OidcStore;

  constructor(model: string, store: OidcStore) {
    this.#model = model;
    this.#store = store;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    await this.#store.upsert(this.#model, id, fromProvider(payload), expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return toProvider(await this.#store.find(this.#model, id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return toProvider(await this.#store.findByUid(this.#model, uid));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return toProvider(await this.#store.findByUserCode(this.#model, userCode));
  }

  /**
   * oidc-provider reads `consumed` and then calls consume(), so two requests can both pass the
   * read. The store decides atomically; the loser gets an OAuth error (400), never a 500, and no
   * second set of tokens.
   */
  async consume(id: string): Promise<void> {
    if (!(await this.#store.consume(this.#model, id))) throw alreadyConsumed(this.#model);
  }

  async destroy(id: string): Promise<void> {
    await this.#store.destroy(this.#model, id);
  }

  /**
   * helpers/revoke.js calls this once per grantable model, concurrently. The store removes the
   * grant's records of every model in one go; the other calls then find nothing, which is fine.
   */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#store.revokeByGrantId(grantId);
  }
}

/** The value for oidc-provider's `adapter` option: one adapter per model name. */
export function createAdapter(store: OidcStore): AdapterFactory {
  const adapters = new Map<string, StoreAdapter>();
  return (model) => {
    let adapter = adapters.get(model);
    if (!adapter) adapters.set(model, (adapter = new StoreAdapter(model, store)));
    return adapter;
  };
}
