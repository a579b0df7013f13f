// oidc-provider's records as Latchkey stores them, so that the store never holds a credential
// (see crypto/record-protection.ts):
// - every record is named by HMAC of its id (an access token's record id is the token itself, a
//   session's is its cookie value), and so is every uid and user-code index;
// - the id itself (`jti`) is left out of the payload and put back from the id it is looked up by;
// - the few models whose payloads carry a credential besides their id, or that are looked up
//   without it, are sealed whole (AES-256-GCM, bound to model and stored name): a Session (found
//   by uid), an Interaction (it holds its session's cookie value), a DeviceCode (found by, and
//   holding, its user code). Tokens and codes, the hot path, carry nothing else: they are stored
//   in the clear but for their id, which costs one HMAC instead of a seal and an open.
//
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
const SEALED = new Set(['Session', 'Interaction', 'DeviceCode']);
// Ids that are no credential keep their place in the payload: a Grant's id is what revoking it
// by its owner needs, and a replay-detection id is a hash already.
const ID_KEPT = new Set(['Grant', 'ReplayDetection']);

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
  /** How many usable tokens and codes a grant holds. */
  liveTokens(grantId: string): Promise<number>;
}

interface SealedShape extends OidcPayload {
  /** The record's stored name, which its seal is bound to (a lookup by uid or user code does
   * not otherwise know it). */
  name: string;
  sealed: Sealed;
}

export interface RecordOptions {
  /** The document that holds an account (the users collection, by accountId): a token names it
   * and its Grant to be read along with it (Store.readAhead), since oidc-provider reads both next. */
  accountDocument?: (accountId: string) => { collection: string; id: string };
}

export function protectRecords(store: OidcStore, protection: RecordProtection, { accountDocument }: RecordOptions = {}): ProtectedRecords {
  const { name, names } = protection;
  const aad = (model: string, storedName: string) => `record:${model}:${storedName}`;
  const owner = (kind: OwnerKind, id: string) => `${kind}:${name(id)}`;

  /** The payload oidc-provider wrote. `id` is known when the record was looked up by it; the
   * sealed models carry it inside their seal. */
  function open(model: string, stored: OidcPayload | undefined, id?: string, storedName?: string): AdapterPayload | undefined {
    if (!stored) return undefined;
    if (!SEALED.has(model)) {
      const payload = stored as AdapterPayload;
      if (!ID_KEPT.has(model)) payload.jti = id;
      delete payload.owners;
      return payload;
    }
    const shape = stored as SealedShape;
    let plaintext: string;
    try {
      plaintext = protection.open(shape.sealed, aad(model, storedName ?? shape.name));
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

  function ownersOf(model: string, payload: AdapterPayload): string[] {
    const accountId = typeof payload.accountId === 'string' ? payload.accountId : undefined;
    if (model === 'Grant') {
      return [accountId && owner('account', accountId), typeof payload.clientId === 'string' && owner('client', payload.clientId)].filter((o): o is string => Boolean(o));
    }
    return model === 'Session' && accountId ? [owner('account', accountId)] : [];
  }

  function storedForm(model: string, storedName: string, payload: AdapterPayload): OidcPayload {
    // Grant members are listed under their grant id itself: it names no credential.
    const grantId = typeof payload.grantId === 'string' && GRANT_MEMBERS.has(model) ? payload.grantId : undefined;
    const owners = ownersOf(model, payload);
    if (!SEALED.has(model)) {
      const { jti, ...clear } = payload;
      const accountId = typeof payload.accountId === 'string' ? payload.accountId : undefined;
      const readWith = grantId
        ? { records: [{ model: 'Grant', id: name(grantId) }], ...(accountId && accountDocument ? { documents: [accountDocument(accountId)] } : {}) }
        : undefined;
      return { ...clear, ...(ID_KEPT.has(model) ? { jti } : {}), grantId, ...(owners.length ? { owners } : {}), ...(readWith ? { readWith } : {}) } as OidcPayload;
    }
    const stored: SealedShape = { name: storedName, sealed: protection.seal(JSON.stringify(payload), aad(model, storedName)) };
    if (typeof payload.uid === 'string') stored.uid = name(`uid:${payload.uid}`);
    if (typeof payload.userCode === 'string') stored.userCode = name(`userCode:${payload.userCode}`);
    if (grantId) stored.grantId = grantId;
    if (owners.length) stored.owners = owners;
    if (typeof payload.consumed === 'number') stored.consumed = payload.consumed;
    return stored;
  }

  async function findByIndex(model: string, field: 'uid' | 'userCode', value: string, lookup: (candidate: string) => Promise<OidcPayload | undefined>) {
    for (const candidate of names(`${field}:${value}`)) {
      const payload = open(model, await lookup(candidate));
      if (payload?.[field] === value) return payload;
    }
    return undefined;
  }

  return {
    async upsert(model, id, payload, expiresIn) {
      const storedName = name(id);
      await store.upsert(model, storedName, storedForm(model, storedName, payload), expiresIn);
      // A record last written under a key that is no longer first now lives under the new name.
      const older = names(id);
      if (older.length > 1) await Promise.all(older.slice(1).map((old) => store.destroy(model, old)));
    },
    async find(model, id) {
      // Each name the id may have, the current key's first.
      for (const candidate of names(id)) {
        const payload = open(model, await store.find(model, candidate), id, candidate);
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
      const all = names(id);
      await (all.length === 1 ? store.destroy(model, all[0]!) : Promise.all(all.map((candidate) => store.destroy(model, candidate))));
    },
    revokeByGrantId: (grantId) => store.revokeByGrantId(grantId),
    liveTokens: (grantId) => store.liveMembers(grantId),
    async owned(kind, ownerId) {
      const listed = (await Promise.all(names(ownerId).map((pepperName) => store.owned(`${kind}:${pepperName}`)))).flat();
      // A listed Grant keeps its id in its payload, a Session in its seal.
      const opened = await Promise.all(
        listed.map(async ({ model, id: storedName }) => {
          const stored = await store.find(model, storedName);
          return { model, payload: open(model, stored, undefined, storedName) };
        }),
      );
      return opened.filter((o): o is OwnedPayload => o.payload !== undefined);
    },
  };
}
