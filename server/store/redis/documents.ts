// Documents in Redis: one key per document, and a sorted set of ids per collection for paged
// listing (ZRANGE BYLEX from the cursor: O(log n + page), never the whole collection).
import type { Cluster, Redis } from 'ioredis';
import type { Documents } from '../types.ts';
import type { KeySchema } from './schema.ts';
import { SINGLE_KEY } from './scripts.ts';
import type { Topology } from './topology.ts';

export function redisDocuments(client: Redis | Cluster, keys: KeySchema, topology: Topology): Documents {
  return {
    async get(collection, id) {
      return (await client.get(keys.doc(collection, id))) ?? undefined;
    },
    async list(collection, { limit, after }) {
      const ids = await client.zrange(keys.docIndex(collection), after === undefined ? '-' : `(${after}`, '+', 'BYLEX', 'LIMIT', 0, limit);
      // Single GETs rather than MGET: the documents live in different Cluster slots. Issued
      // together, they leave in one pipelined write.
      const values = await Promise.all(ids.map((id) => client.get(keys.doc(collection, id))));
      const items = ids.flatMap((id, i) => (values[i] == null ? [] : [{ id, value: values[i]! }]));
      return ids.length === limit ? { items, next: ids.at(-1) } : { items };
    },
    put: (collection, id, value) => topology.putDocument(keys.doc(collection, id), keys.docIndex(collection), id, value),
    insert: (collection, id, value) => topology.insertDocument(keys.doc(collection, id), keys.docIndex(collection), id, value),
    remove: (collection, id) => topology.removeDocument(keys.doc(collection, id), keys.docIndex(collection), id),
    async replace(collection, id, expected, value) {
      return (await SINGLE_KEY.replaceIf(client, [keys.doc(collection, id)], [expected, value])) === 1;
    },
  };
}
