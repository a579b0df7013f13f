// The two internals of oidc-provider the baseline uses to size its in-memory adapter's LRU
// (lib/adapters/memory_adapter.js, lib/helpers/lru.js; no types ship for them).
declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  export default class MemoryAdapter {
    constructor(model: string, store?: unknown, clockTolerance?: number);
  }
}
declare module 'oidc-provider/lib/helpers/lru.js' {
  export default class LRU {
    constructor(options: { maxSize: number });
  }
}
