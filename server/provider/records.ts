// oidc-provider's records as Latchkey stores them (see crypto/record-protection.ts): every id
// and index value named by HMAC, every payload sealed, so the store never holds a credential.
// This is also where the models' relations become indexes, because only here are the models
// known:
// - tokens and codes of a grant are listed in the grant's set (revoking the grant removes them);
//   an Interaction is not a grant's member, though it names one: ending that grant must not
//   end a sign-in in progress;
// - a Grant is listed under its account and its client, a signed-in Session under its account,
//   so a person's (or an app's) grants and sessions can be found and ended.
import type { AdapterPayload } from 'oidc-provider';
import type { RecordProtection } from '../crypto/record-protection.ts';
import { UnsealError, type Sealed } from '../crypto/sealed-box.ts';
import type { OidcPayload, OidcStore } from '../store/types.ts';

const GRANT_MEMBERS = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export type OwnerKind = 'account' | 'client';

export interface OwnedPayload {
  model: string;
  payload: AdapterPayload;
}

export interface ProtectedRecords {
  upsert(model: string, id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
  find(model: string, id: string): Promise<AdapterPayload | undefined>;
  findByUid(model: string, uid: string): Promise<AdapterPayload | undefined>;
  findByUserCode(model: string, userCode: string): Promise<AdapterPayload | undefined>;
  consume(model: string, id: string): Promise<boolean>;
  destroy(model: string, id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
  /** The live Grants (and, for an account, Sessions) of an owner, opened. */
  owned(kind: OwnerKind, ownerId: string): Promise<OwnedPayload[]>;
}

interface StoredShape extends OidcPayload {
  /** The record's stored name, which its seal is bound to (a lookup by uid or user code does
   * not otherwise know it). */
  name: string;
  sealed: Sealed;
}

export function protectRecords(store: OidcStore, protection: RecordProtection): ProtectedRecords {
  const { name, names } = protection;
  const aad = (model: string, storedName: string) => `record:${model}:${storedName}`;
  const owner = (kind: OwnerKind, id: string, pepperName = name) => `${kind}:${pepperName(id)}`;

  /** storedName: the name the record was looked up by; for lookups through an index, the name
   * the record carries (the index already checked it points at that record). */
  function open(model: string, stored: OidcPayload | undefined, storedName = (stored as StoredShape | undefined)?.name): AdapterPayload | undefined {
    if (!stored || storedName === undefined) return undefined;
    let plaintext: string;
    try {
      plaintext = protection.open((stored as StoredShape).sealed, aad(model, storedName));
    } catch (error) {
      // A payload that does not open under its own name was moved or tampered with in the store:
      // it is no record of ours.
      if (error instanceof UnsealError) return undefined;
      throw error;
    }
    const payload = JSON.parse(plaintext) as AdapterPayload;
    if (stored.consumed !== undefined) payload.consumed = stored.consumed;
    return payload;
  }

  async function findByIndex(model: string, field: 'uid' | 'userCode', value: string, lookup: (candidate: string) => Promise<OidcPayload | undefined>) {
    for (const candidate of names(`${field}:${value}`)) {
      const payload = open(model, await lookup(candidate));
      if (payload?.[field] === value) return payload;
    }
    return undefined;
  }

  function ownersOf(model: string, payload: AdapterPayload): string[] {
    const accountId = typeof payload.accountId === 'string' ? payload.accountId : undefined;
    if (model === 'Grant') {
      return [accountId && owner('account', accountId), typeof payload.clientId === 'string' && owner('client', payload.clientId)].filter((o): o is string => Boolean(o));
    }
    return model === 'Session' && accountId ? [owner('account', accountId)] : [];
  }


  return {
    async upsert(model, id, payload, expiresIn) {
      const storedName = name(id);
      const stored: StoredShape = { name: storedName, sealed: protection.seal(JSON.stringify(payload), aad(model, storedName)) };
      if (typeof payload.uid === 'string') stored.uid = name(`uid:${payload.uid}`);
      if (typeof payload.userCode === 'string') stored.userCode = name(`userCode:${payload.userCode}`);
      if (typeof payload.grantId === 'string' && GRANT_MEMBERS.has(model)) stored.grantId = name(payload.grantId);
      const owners = ownersOf(model, payload);
      if (owners.length) stored.owners = owners;
      if (typeof payload.consumed === 'number') stored.consumed = payload.consumed;
      await store.upsert(model, storedName, stored, expiresIn);
      // A record last written under a key that is no longer first now lives under the new name.
      await Promise.all(names(id).slice(1).map((old) => store.destroy(model, old)));
    },
    async find(model, id) {
      // Each name the id may have, the current key's first.
      for (const candidate of names(id)) {
        const payload = open(model, await store.find(model, candidate), candidate);
        if (payload) return payload;
      }
      return undefined;
    },
    findByUid: (model, uid) => findByIndex(model, 'uid', uid, (candidate) => store.findByUid(model, candidate)),
    findByUserCode: (model, userCode) => findByIndex(model, 'userCode', userCode, (candidate) => store.findByUserCode(model, candidate)),
    async consume(model, id) {
      for (const candidate of names(id)) if (await store.consume(model, candidate)) return true;
      return false;
    },
    async destroy(model, id) {
      await Promise.all(names(id).map((candidate) => store.destroy(model, candidate)));
    },
    async revokeByGrantId(grantId) {
      await Promise.all(names(grantId).map((candidate) => store.revokeByGrantId(candidate)));
    },
    async owned(kind, ownerId) {
      const listed = (await Promise.all(names(ownerId).map((pepperName) => store.owned(`${kind}:${pepperName}`)))).flat();
      const opened = await Promise.all(listed.map(async ({ model, id: storedName }) => ({ model, payload: open(model, await store.find(model, storedName), storedName) })));
      return opened.filter((o): o is OwnedPayload => o.payload !== undefined);
    },
  };
}
