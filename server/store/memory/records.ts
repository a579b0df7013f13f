// oidc-provider's records in process, laid out like Redis (records; uid/userCode indexes pointing
// at record keys; one member set per grant; one expiring member list per owner), so both stores
// behave alike and the store can count what Redis would hold as keys.
import { epochSeconds } from '../time.ts';
import type { OidcPayload, OidcStore, OwnedRecord } from '../types.ts';
import type { Clock, Timed } from './clock.ts';

interface StoredRecord {
  /** JSON, so that callers never share objects with the store, as with Redis. */
  payload: string;
  consumed?: number;
  indexes: string[];
  grantKey?: string;
  owners: string[];
}

export interface MemoryRecords extends OidcStore {
  /** Entries counted like Redis keys. */
  size(): number;
  sweep(): void;
}

export function memoryRecords(clock: Clock): MemoryRecords {
  const records = new Map<string, Timed<StoredRecord>>();
  const indexes = new Map<string, Timed<string>>();
  const grants = new Map<string, Timed<Set<string>>>();
  // owner → record key → { the record, its expiry }
  const owners = new Map<string, Map<string, { record: OwnedRecord; expiresAt: number }>>();
  const { live } = clock;

  function read(key: string): OidcPayload | undefined {
    const record = live(records, key);
    if (!record) return undefined;
    const payload = JSON.parse(record.payload) as OidcPayload;
    if (record.consumed !== undefined) payload.consumed = record.consumed;
    return payload;
  }

  function unlist(owner: string, key: string) {
    const members = owners.get(owner);
    members?.delete(key);
    if (members?.size === 0) owners.delete(owner);
  }

  function drop(key: string): string | undefined {
    const record = live(records, key);
    records.delete(key);
    if (!record) return undefined;
    // An index may already point at a newer record (a Session saved under a new id keeps its uid).
    for (const index of record.indexes) if (live(indexes, index) === key) indexes.delete(index);
    for (const owner of record.owners) unlist(owner, key);
    return record.grantKey;
  }

  function addToGrant(grantId: string, key: string, until: number) {
    const grant = grants.get(grantId);
    if (grant && grant.expiresAt > clock.now()) {
      grant.value.add(key);
      grant.expiresAt = Math.max(grant.expiresAt, until);
    } else {
      grants.set(grantId, { value: new Set([key]), expiresAt: until });
    }
  }

  function sweep(): void {
    const t = clock.now();
    for (const map of [records, indexes, grants] as Map<string, Timed<unknown>>[]) {
      for (const [key, entry] of map) if (entry.expiresAt <= t) map.delete(key);
    }
    for (const [owner, members] of owners) {
      for (const [key, { expiresAt }] of members) if (expiresAt <= t) members.delete(key);
      if (members.size === 0) owners.delete(owner);
    }
  }

  return {
    async upsert(model, id, payload, expiresIn) {
      const key = recordKey(model, id);
      const until = clock.expiresAt(expiresIn);
      // A record replaces its previous version whole, owners included.
      const previous = live(records, key);
      for (const owner of previous?.owners ?? []) unlist(owner, key);
      // readWith is a hint for a store with round trips to save, never part of the payload.
      const { readWith: _hint, ...kept } = payload;
      const record: StoredRecord = { payload: JSON.stringify(kept), indexes: [], owners: payload.owners ?? [] };
      if (typeof payload.consumed === 'number') record.consumed = payload.consumed;
      for (const index of indexKeys(model, payload)) {
        indexes.set(index, { value: key, expiresAt: until });
        record.indexes.push(index);
      }
      if (payload.grantId) {
        record.grantKey = payload.grantId;
        addToGrant(payload.grantId, key, until);
      }
      for (const owner of record.owners) {
        const members = owners.get(owner) ?? new Map();
        owners.set(owner, members);
        members.set(key, { record: { model, id }, expiresAt: until });
      }
      records.set(key, { value: record, expiresAt: until });
    },
    find: async (model, id) => read(recordKey(model, id)),
    async findByUid(model, uid) {
      const key = live(indexes, indexKey(model, 'uid', uid));
      const payload = key === undefined ? undefined : read(key);
      return payload?.uid === uid ? payload : undefined;
    },
    async findByUserCode(model, userCode) {
      const key = live(indexes, indexKey(model, 'userCode', userCode));
      const payload = key === undefined ? undefined : read(key);
      return payload?.userCode === userCode ? payload : undefined;
    },
    // Atomic because nothing awaits between the check and the write.
    async consume(model, id) {
      const record = live(records, recordKey(model, id));
      if (!record || record.consumed !== undefined) return false;
      record.consumed = epochSeconds(clock.now());
      return true;
    },
    async destroy(model, id) {
      const key = recordKey(model, id);
      const grantKey = drop(key);
      const grant = grantKey === undefined ? undefined : grants.get(grantKey);
      if (grantKey !== undefined && grant) {
        grant.value.delete(key);
        if (grant.value.size === 0) grants.delete(grantKey);
      }
    },
    async revokeByGrantId(grantId) {
      const members = live(grants, grantId);
      grants.delete(grantId);
      for (const key of members ?? []) drop(key);
    },
    async liveMembers(grantId) {
      let count = 0;
      for (const key of live(grants, grantId) ?? []) {
        const record = live(records, key);
        if (record && record.consumed === undefined) count++;
      }
      return count;
    },
    async owned(owner) {
      const t = clock.now();
      return [...(owners.get(owner)?.entries() ?? [])]
        .filter(([key, { expiresAt }]) => expiresAt > t && live(records, key) !== undefined)
        .map(([, { record }]) => record);
    },
    async estimateOwned(model) {
      let count = 0;
      const prefix = `${model}:`;
      for (const [key, { value, expiresAt }] of records) if (expiresAt > clock.now() && key.startsWith(prefix) && value.owners.length > 0) count++;
      return count;
    },
    size() {
      sweep();
      return records.size + indexes.size + grants.size + owners.size;
    },
    sweep,
  };
}

function recordKey(model: string, id: string): string {
  return `${model}:${id}`;
}

function indexKey(model: string, field: 'uid' | 'userCode', value: string): string {
  return `${model}:${field}:${value}`;
}

function indexKeys(model: string, payload: OidcPayload): string[] {
  const keys: string[] = [];
  if (payload.uid) keys.push(indexKey(model, 'uid', payload.uid));
  if (payload.userCode) keys.push(indexKey(model, 'userCode', payload.userCode));
  return keys;
}
