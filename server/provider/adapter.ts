// The oidc-provider adapter (configuration option `adapter`) over the protected records.
// See node_modules/oidc-provider/lib/adapters/memory_adapter.js for the reference semantics.
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import { alreadyConsumed } from './internals.ts';
import type { ProtectedRecords } from './records.ts';

class RecordAdapter implements Adapter {
  readonly #model: string;
  readonly #records: ProtectedRecords;

  constructor(model: string, records: ProtectedRecords) {
    this.#model = model;
    this.#records = records;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    await this.#records.upsert(this.#model, id, payload, expiresIn);
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.#records.find(this.#model, id);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#records.findByUid(this.#model, uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#records.findByUserCode(this.#model, userCode);
  }

  /**
   * oidc-provider reads `consumed` and then calls consume(), so two requests can both pass the
   * read. The store decides atomically; the loser gets an OAuth error (400), never a 500, and no
   * second set of tokens.
   */
  async consume(id: string): Promise<void> {
    if (!(await this.#records.consume(this.#model, id))) throw alreadyConsumed(this.#model);
  }

  async destroy(id: string): Promise<void> {
    await this.#records.destroy(this.#model, id);
  }

  /**
   * helpers/revoke.js calls this once per grantable model, concurrently. The store removes the
   * grant's records of every model in one go; the other calls then find nothing, which is fine.
   */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#records.revokeByGrantId(grantId);
  }
}

/** The value for oidc-provider's `adapter` option: one adapter per model name. */
export function createAdapter(records: ProtectedRecords): AdapterFactory {
  const adapters = new Map<string, RecordAdapter>();
  return (model) => {
    let adapter = adapters.get(model);
    if (!adapter) adapters.set(model, (adapter = new RecordAdapter(model, records)));
    return adapter;
  };
}
