// A request's read-ahead: what a record names besides itself (a token its grant and its account)
// comes back with the record, in the same round trip, and is kept for the rest of the request,
// so oidc-provider's next lookups in that request (Grant.find, findAccount) are answered from
// memory. Userinfo read a token, then its grant, then its account: three round trips one after
// another, each a full command's CPU; now one (bench/: round trips per request).
//
// Nothing outlives the request (the scope is an AsyncLocalStorage run around it), so disabling a
// user or revoking a grant takes effect at the next request as before. Within a request, a write
// through this store to a key forgets that key, and revoking a grant forgets everything.
import { AsyncLocalStorage } from 'node:async_hooks';

/** A record hash as read (payload, consumed), or a document's value. */
export type Ahead = { kind: 'record'; payload: string; consumed: string | null } | { kind: 'document'; value: string };

export interface ReadAhead {
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Whether a request scope is active (read-ahead is worth its bytes only there). */
  active(): boolean;
  get(key: string): Ahead | undefined;
  put(key: string, value: Ahead): void;
  forget(key: string): void;
  clear(): void;
}

// The field of a record's hash naming what to read with it: one reference per line, `r:<key>`
// for a record hash, `d:<key>` for a document.
export const READ_WITH_FIELD = 'readWith';

export function readAhead(): ReadAhead {
  const scope = new AsyncLocalStorage<Map<string, Ahead>>();
  return {
    run: (fn) => scope.run(new Map(), fn),
    active: () => scope.getStore() !== undefined,
    get: (key) => scope.getStore()?.get(key),
    put(key, value) {
      scope.getStore()?.set(key, value);
    },
    forget(key) {
      scope.getStore()?.delete(key);
    },
    clear() {
      scope.getStore()?.clear();
    },
  };
}

/** What a find brought along, flattened as the find script answers it: key, value, consumed. */
export function keepAhead(ahead: ReadAhead, flat: (string | null)[]): void {
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const [ref, value, consumed] = [flat[i], flat[i + 1], flat[i + 2]];
    if (!ref || value == null) continue; // Absent: not remembered (it may live under another name).
    const key = ref.slice(2);
    ahead.put(key, ref.startsWith('r:') ? { kind: 'record', payload: value, consumed: consumed ?? null } : { kind: 'document', value });
  }
}
