// Documents in process: one map per collection, listed in bytewise id order like Redis' BYLEX.
import type { Documents } from '../types.ts';

export interface MemoryDocuments extends Documents {
  /** A key per document and one index per collection, as Redis counts them. */
  size(): number;
}

const bytewise = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export function memoryDocuments(): MemoryDocuments {
  const collections = new Map<string, Map<string, string>>();
  const collectionFor = (name: string) => {
    let docs = collections.get(name);
    if (!docs) collections.set(name, (docs = new Map()));
    return docs;
  };

  return {
    async get(collection, id) {
      return collections.get(collection)?.get(id);
    },
    async list(collection, { limit, after }) {
      const docs = collections.get(collection);
      const ids = [...(docs?.keys() ?? [])].filter((id) => after === undefined || bytewise(id, after) > 0).sort(bytewise);
      const page = ids.slice(0, limit);
      const items = page.map((id) => ({ id, value: docs!.get(id)! }));
      return page.length === limit ? { items, next: page.at(-1) } : { items };
    },
    async put(collection, id, value) {
      collectionFor(collection).set(id, value);
    },
    async insert(collection, id, value) {
      const docs = collectionFor(collection);
      if (docs.has(id)) return false;
      docs.set(id, value);
      return true;
    },
    async replace(collection, id, expected, value) {
      const docs = collections.get(collection);
      if (docs?.get(id) !== expected) return false;
      docs.set(id, value);
      return true;
    },
    async remove(collection, id) {
      const docs = collections.get(collection);
      const removed = docs?.delete(id) ?? false;
      // Like a Redis index, an empty collection does not linger.
      if (docs?.size === 0) collections.delete(collection);
      return removed;
    },
    size() {
      let documents = 0;
      for (const docs of collections.values()) documents += docs.size;
      return documents + collections.size;
    },
  };
}
