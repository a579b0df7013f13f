// The Redis key schema (P = REDIS_KEY_PREFIX; {…} is the Cluster hash tag, so each key names its
// own slot):
//   P<Model>:{<id>}                 HASH   payload (JSON), consumed (epoch s, set once),
//                                          uidIndex / userCodeIndex / grantIndex (the keys below
//                                          that list this record, so it can be removed without
//                                          parsing JSON)
//   P<Model>:uid:{<uid>}            STRING → record key              (Session)
//   P<Model>:userCode:{<userCode>}  STRING → record key              (DeviceCode)
//   Pgrant:{<grantId>}              SET    record keys of that grant (any model with a grantId)
//   Powner:{<owner>}                ZSET   record keys an owner (account, client) holds, scored
//                                          by their expiry (epoch ms; +inf for none)
//   Pdoc:<collection>:{<id>}        STRING one document (a user, a client, an API, the keyset)
//   Pdoc-index:{<collection>}       ZSET   the ids of a collection (score 0, ordered bytewise),
//                                          for paged listing
//   Plock:{<name>}                  STRING a lock's holder token, with expiry
//   Pstream:{<name>}                STREAM an append-only log (the audit trail), trimmed by count and age
//   Pfeed:{<name>}                  LIST   a capped feed of recent items, newest first, expiring
//   Plimit:<name>:{<key>}           STRING a limiter's count for one key, expiring with its window
//   Prisk:{<account>}               STRING an account's sign-in history (risk model, JSON), expiring
//                                          six months after its last write
//   Prisk-prior:{global}            STRING the risk model's global prior (JSON), no expiry
//   P<name>                         pub/sub channel
//
// Invalidation rules:
// - A record and its uid/userCode indexes get the same TTL; no expiry when expiresIn is undefined.
// - A grant set's TTL is extended to its longest-lived member (persistent if any member is), so it
//   outlives every member and then disappears; members that expired first are skipped on revoke.
// - An owner index is kept the same way, and each write prunes the members whose score (expiry)
//   has passed; listings read only members still to expire and check each record still exists.
// - Removing a record deletes an index only while it still points at that record (a Session saved
//   under a new id keeps its uid, and the old id is destroyed afterwards).
// - uid, userCode and grantId never change for a given id in oidc-provider, so upsert does not
//   read the previous version to clean its indexes (that would cost a round trip on the hot path);
//   lookups through an index check that the record still carries the value.
// - consume is HSETNX on the record behind an EXISTS check in one script: atomic, keeps the TTL,
//   and never resurrects an expired record.
// - A document id is in its collection's index whenever the document exists (the index is
//   written first, removed last); a listing skips an id whose document is gone.

export type KeySchema = ReturnType<typeof keySchema>;

export function keySchema(prefix: string) {
  // A brace in the prefix would become the hash tag of every key and pile them into one slot.
  if (/[{}]/.test(prefix)) throw new Error(`REDIS_KEY_PREFIX must not contain { or } (got ${prefix})`);
  return {
    record: (model: string, id: string) => `${prefix}${model}:{${id}}`,
    /** What every record key of the model starts with (and no index key: theirs go on `:uid:`). */
    recordPrefix: (model: string) => `${prefix}${model}:{`,
    index: (model: string, field: 'uid' | 'userCode', value: string) => `${prefix}${model}:${field}:{${value}}`,
    grant: (grantId: string) => `${prefix}grant:{${grantId}}`,
    owner: (owner: string) => `${prefix}owner:{${owner}}`,
    /** The model and id a record key names. */
    parseRecord(key: string): { model: string; id: string } | undefined {
      if (!key.startsWith(prefix) || !key.endsWith('}')) return undefined;
      const at = key.indexOf(':{', prefix.length);
      return at === -1 ? undefined : { model: key.slice(prefix.length, at), id: key.slice(at + 2, -1) };
    },
    doc: (collection: string, id: string) => `${prefix}doc:${collection}:{${id}}`,
    docIndex: (collection: string) => `${prefix}doc-index:{${collection}}`,
    /** Where documents lived before they had a key each: one HASH per collection. */
    legacyCollection: (collection: string) => `${prefix}docs:{${collection}}`,
    lock: (name: string) => `${prefix}lock:{${name}}`,
    feed: (name: string) => `${prefix}feed:{${name}}`,
    stream: (name: string) => `${prefix}stream:{${name}}`,
    riskHistory: (accountId: string) => `${prefix}risk:{${accountId}}`,
    riskPrior: () => `${prefix}risk-prior:{global}`,
    /** rate-limiter-flexible's keyPrefix: it appends `:<key>`, and the key is `{<key>}`. */
    limiter: (name: string) => `${prefix}limit:${name}`,
    channel: (name: string) => `${prefix}${name}`,
  };
}
