// Documents in Redis: one key per document, and a sorted set of ids per collection for paged
// listing (ZRANGE BYLEX from the cursor: O(log n + page), never the whole collection).
import type { Cluster, Redis } from 'ioredis';
import type { Documents } from '../types.ts';
import type { ReadAhead } from './read-ahead.ts';
import type { KeySchema } from './schema.ts';
import { SINGLE_KEY } from './scripts.ts';
import type { Topology } from './topology.ts';

/** `ahead`: a document a record named may have come with it (read-ahead.ts); writes forget it. */
export function redisDocuments(client: Redis | Cluster, keys: KeySchema, topology: Topology, ahead: ReadAhead): Documents {
  const changing = (collection: string, id: string) => {
    const key = keys.doc(collection, id);
    ahead.forget(key);
    return key;
  };
  return {
    async get(collection, id) {
      const key = keys.doc(collection, id);
      const known = ahead.get(key);
      if (known?.kind === 'document') return known.value;
      return (await client.get(key)) ?? undefined;
    },
    async list(collection, { limit, after }) {
      const ids = await client.zrange(keys.docIndex(collection), after === undefined ? '-' : `(${after}`, '+', 'BYLEX', 'LIMIT', 0, limit);
      // Single GETs rather than MGET: the documents live in different Cluster slots. Issued
      // together, they leave in one pipelined write.
      const values = await Promise.all(ids.map((id) => client.get(keys.doc(collection, id))));
      const items = ids.flatMap((id, i) => (values[i] == null ? [] : [{ id, value: values[i]! }]));
      return ids.length === limit ? { items, next: ids.at(-1) } : { items };
    },
    put: (collection, id, value) => topology.putDocument(changing(collection, id), keys.docIndex(collection), id, value),
    insert: (collection, id, value) => topology.insertDocument(changing(collection, id), keys.docIndex(collection), id, value),
    remove: (collection, id) => topology.removeDocument(changing(collection, id), keys.docIndex(collection), id),
    async replace(collection, id, expected, value) {
      return (await SINGLE_KEY.replaceIf(client, [changing(collection, id)], [expected, value])) === 1;
    },
  };
}
