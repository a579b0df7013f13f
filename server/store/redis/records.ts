// oidc-provider's records (tokens, codes, sessions, grants, interactions) in Redis: the OidcStore
// of types.ts over the key schema. Round trips: find is one HMGET; upsert is one script when
// standalone and concurrent writes on a Cluster (topology.ts), so always one round trip of
// latency. Every command goes through ioredis auto-pipelining: what concurrent requests send in
// the same tick leaves in one socket write. Inside a request, a find also brings back what the
// record names (read-ahead.ts): in the same script when standalone, right after it on a Cluster.
import type { Cluster, Redis } from 'ioredis';
import { epochSeconds, ttlMs } from '../time.ts';
import type { OidcPayload, OidcStore } from '../types.ts';
import { keepAhead, READ_WITH_FIELD, type ReadAhead } from './read-ahead.ts';
import type { KeySchema } from './schema.ts';
import { estimateOwned } from './sample.ts';
import { SINGLE_KEY } from './scripts.ts';
import type { Topology } from './topology.ts';

/** `consume`: how a consume is sent, when not as a plain script (REDIS_WAIT_REPLICAS). */
export function redisRecords(
  client: Redis | Cluster,
  keys: KeySchema,
  topology: Topology,
  ahead: ReadAhead,
  consume?: (key: string, args: (string | number)[]) => Promise<number>,
): OidcStore {
  const consumeScript = consume ?? ((key: string, args: (string | number)[]) => SINGLE_KEY.consume(client, [key], args));
  const parse = (payload: string | null | undefined, consumed: string | null | undefined): OidcPayload | undefined => {
    if (payload == null) return undefined;
    const parsed = JSON.parse(payload) as OidcPayload;
    if (consumed != null) parsed.consumed = Number(consumed);
    return parsed;
  };

  /** The named keys' values, read after the record (a Cluster: they live in other slots). */
  async function readAfter(refs: string): Promise<(string | null)[]> {
    const named = refs.split('\n').filter(Boolean);
    const values = await Promise.all(
      named.map(async (ref) => {
        const key = ref.slice(2);
        if (ref.startsWith('r:')) return [ref, ...(await client.hmget(key, 'payload', 'consumed'))];
        return [ref, await client.get(key), null];
      }),
    );
    return values.flat();
  }

  async function load(key: string): Promise<OidcPayload | undefined> {
    const known = ahead.get(key);
    if (known?.kind === 'record') return parse(known.payload, known.consumed);
    if (!ahead.active()) {
      const [payload, consumed] = await client.hmget(key, 'payload', 'consumed');
      return parse(payload, consumed);
    }
    if (topology.name === 'standalone') {
      const reply = await SINGLE_KEY.findWith(client, [key]);
      if (reply.length === 0) return undefined;
      keepAhead(ahead, reply.slice(2));
      return parse(reply[0]!, reply[1] ?? null);
    }
    const [payload, consumed, refs] = await client.hmget(key, 'payload', 'consumed', READ_WITH_FIELD);
    if (payload != null && refs) keepAhead(ahead, await readAfter(refs));
    return parse(payload, consumed);
  }

  async function findBy(model: string, field: 'uid' | 'userCode', value: string): Promise<OidcPayload | undefined> {
    const key = await client.get(keys.index(model, field, value));
    const payload = key == null ? undefined : await load(key);
    return payload?.[field] === value ? payload : undefined;
  }

  return {
    async upsert(model, id, payload, expiresIn) {
      const record = keys.record(model, id);
      const ttl = expiresIn === undefined ? '' : String(ttlMs(expiresIn));
      const { readWith, ...stored } = payload;
      const fields = ['payload', JSON.stringify(stored)];
      const named = [...(readWith?.records ?? []).map((r) => `r:${keys.record(r.model, r.id)}`), ...(readWith?.documents ?? []).map((d) => `d:${keys.doc(d.collection, d.id)}`)];
      if (named.length) fields.push(READ_WITH_FIELD, named.join('\n'));
      if (typeof payload.consumed === 'number') fields.push('consumed', String(payload.consumed));
      const indexes: string[] = [];
      if (payload.uid) {
        indexes.push(keys.index(model, 'uid', payload.uid));
        fields.push('uidIndex', indexes.at(-1)!);
      }
      if (payload.userCode) {
        indexes.push(keys.index(model, 'userCode', payload.userCode));
        fields.push('userCodeIndex', indexes.at(-1)!);
      }
      const grant = payload.grantId ? keys.grant(payload.grantId) : undefined;
      if (grant) fields.push('grantIndex', grant);
      const owners = (payload.owners ?? []).map(keys.owner);
      if (owners.length) fields.push('ownerIndexes', owners.join('\n'));
      ahead.forget(record);
      await topology.upsert(record, { indexes, grant, owners }, ttl, fields);
    },
    find: (model, id) => load(keys.record(model, id)),
    findByUid: (model, uid) => findBy(model, 'uid', uid),
    findByUserCode: (model, userCode) => findBy(model, 'userCode', userCode),
    async consume(model, id) {
      ahead.forget(keys.record(model, id));
      return (await consumeScript(keys.record(model, id), [epochSeconds(Date.now())])) === 1;
    },
    destroy(model, id) {
      ahead.forget(keys.record(model, id));
      return topology.destroy(keys.record(model, id));
    },
    revokeByGrantId(grantId) {
      ahead.clear();
      return topology.revoke(keys.grant(grantId));
    },
    async liveMembers(grantId) {
      // The members may live in other slots (a Cluster): one single-key check each, sent together.
      const members = await client.smembers(keys.grant(grantId));
      const usable = await Promise.all(members.map((member) => SINGLE_KEY.usable(client, [member])));
      return usable.reduce((sum, n) => sum + n, 0);
    },
    async owned(owner) {
      const members = await SINGLE_KEY.ownerList(client, [keys.owner(owner)], [Date.now()]);
      const present = await Promise.all(members.map((member) => client.exists(member)));
      return members.flatMap((member, i) => {
        const record = present[i] ? keys.parseRecord(member) : undefined;
        return record ? [record] : [];
      });
    },
    estimateOwned: (model) => estimateOwned(client, keys, model),
  };
}
