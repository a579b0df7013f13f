// Documents were once kept as one HASH per collection (Pdocs:{users} and the like): one Cluster
// slot and one ever-growing key. A store opened on such data moves each document to a key of
// its own, once; inserting never overwrites, so running it again (or on several instances at
// once) changes nothing.
import type { Cluster, Redis } from 'ioredis';
import type { Documents } from '../types.ts';
import type { KeySchema } from './schema.ts';

const LEGACY_COLLECTIONS = ['users', 'user-emails', 'clients', 'keys'];

export async function migrateLegacyDocuments(client: Redis | Cluster, keys: KeySchema, documents: Documents): Promise<number> {
  let moved = 0;
  for (const collection of LEGACY_COLLECTIONS) {
    const legacy = keys.legacyCollection(collection);
    if ((await client.type(legacy)) !== 'hash') continue;
    for (const [id, value] of Object.entries(await client.hgetall(legacy))) {
      if (await documents.insert(collection, id, value)) moved++;
    }
    await client.del(legacy);
  }
  return moved;
}
