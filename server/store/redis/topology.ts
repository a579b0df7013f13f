// What differs between topologies: the operations that touch several keys. Standalone and
// Sentinel-managed Redis run each as one script, atomic and one command; a Cluster refuses a
// script whose keys live in several slots, so there the same writes go out as single-key
// commands, concurrent where order does not matter and ordered where it does. Everything
// single-key (finds, consume, fenced replace, locks) is the same everywhere and lives elsewhere.
import type { Cluster, Redis } from 'ioredis';
import { SINGLE_KEY, STANDALONE } from './scripts.ts';

export interface RecordRefs {
  /** The uid/userCode index keys pointing at the record. */
  indexes: string[];
  grant?: string;
  /** The owner index keys listing the record. */
  owners: string[];
}

export interface Topology {
  readonly name: 'standalone' | 'cluster';
  /** fields: the record's hash fields, flattened; ttl: ms as a string, '' for none. */
  upsert(record: string, refs: RecordRefs, ttl: string, fields: string[]): Promise<void>;
  destroy(record: string): Promise<void>;
  revoke(grant: string): Promise<void>;
  putDocument(doc: string, index: string, id: string, value: string): Promise<void>;
  insertDocument(doc: string, index: string, id: string, value: string): Promise<boolean>;
  removeDocument(doc: string, index: string, id: string): Promise<boolean>;
}

export function standalone(client: Redis): Topology {
  return {
    name: 'standalone',
    async upsert(record, { indexes, grant, owners }, ttl, fields) {
      const keys = [record, ...indexes, ...(grant ? [grant] : []), ...owners];
      await STANDALONE.upsert(client, keys, [ttl, indexes.length, grant ? '1' : '', owners.length, Date.now(), ...fields]);
    },
    async destroy(record) {
      await STANDALONE.destroy(client, [record]);
    },
    async revoke(grant) {
      await STANDALONE.revoke(client, [grant]);
    },
    async putDocument(doc, index, id, value) {
      await STANDALONE.putDocument(client, [doc, index], [id, value]);
    },
    async insertDocument(doc, index, id, value) {
      return (await STANDALONE.insertDocument(client, [doc, index], [id, value])) === 1;
    },
    async removeDocument(doc, index, id) {
      return (await STANDALONE.removeDocument(client, [doc, index], [id])) === 1;
    },
  };
}

export function cluster(client: Cluster): Topology {
  /** Takes the record atomically, then cleans up what pointed at it. */
  async function dropSpread(record: string, fromGrant: boolean): Promise<void> {
    const [uidIndex, userCodeIndex, grantIndex, ownerIndexes] = await SINGLE_KEY.take(client, [record]);
    const cleanup: Promise<unknown>[] = [];
    for (const ref of [uidIndex, userCodeIndex]) if (ref) cleanup.push(SINGLE_KEY.delIf(client, [ref], [record]));
    if (grantIndex && fromGrant) cleanup.push(client.srem(grantIndex, record));
    for (const owner of ownerIndexes?.split('\n') ?? []) if (owner) cleanup.push(client.zrem(owner, record));
    await Promise.all(cleanup);
  }

  return {
    name: 'cluster',
    async upsert(record, { indexes, grant, owners }, ttl, fields) {
      // Different slots: concurrent single commands, still one round trip of latency.
      const pointTo = (key: string) => (ttl === '' ? client.set(key, record) : client.set(key, record, 'PX', ttl));
      const now = Date.now();
      await Promise.all([
        ...indexes.map(pointTo),
        grant && SINGLE_KEY.grantAdd(client, [grant], [record, ttl]),
        ...owners.map((owner) => SINGLE_KEY.ownerAdd(client, [owner], [record, ttl, now])),
        SINGLE_KEY.put(client, [record], [ttl, ...fields]),
      ]);
    },
    destroy: (record) => dropSpread(record, true),
    async revoke(grant) {
      // The members live in other slots, so this cannot be one script. Taking the set is atomic,
      // so each member is removed exactly once; a token written concurrently with the revoke could
      // survive it, but oidc-provider checks that the token's Grant exists on every use and revoke()
      // destroys the Grant too, so such a token is refused. Standalone has the same race (a write
      // just after the script), so this is no weaker.
      const members = await SINGLE_KEY.takeSet(client, [grant]);
      await Promise.all(members.map((record) => dropSpread(record, false)));
    },
    // The index is written before the document and cleaned after it, so it always lists at least
    // every document (schema.ts).
    async putDocument(doc, index, id, value) {
      await client.zadd(index, 0, id);
      await client.set(doc, value);
    },
    async insertDocument(doc, index, id, value) {
      await client.zadd(index, 0, id);
      return (await client.set(doc, value, 'NX')) === 'OK';
    },
    async removeDocument(doc, index, id) {
      const removed = (await client.del(doc)) === 1;
      await client.zrem(index, id);
      return removed;
    },
  };
}
