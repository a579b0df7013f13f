// The client registry: OAuth clients kept as documents in the store, with their secrets sealed
// (AES-256-GCM) rather than stored in the clear. oidc-provider reads clients through its
// `Client` adapter, which this registry provides.
//
// oidc-provider looks the client up on every token, introspection and userinfo request, so the
// opened client (parsed, secret unsealed) is cached for a few seconds. Adding or removing a
// client announces it to every instance, which drop their cached copy at once; a lost
// announcement is bounded by the cache lifetime.
import { randomBytes } from 'node:crypto';
import { errors, type Adapter, type AdapterPayload, type ClientMetadata } from 'oidc-provider';
import { AlreadyExistsError } from '../errors.ts';
import type { SealedBox, Sealed } from '../crypto/sealed-box.ts';
import type { Documents, Events } from '../store/types.ts';

const CLIENTS = 'clients';
const CHANGED = 'clients-changed';
export const CLIENT_CACHE_MS = 5_000;
const REWRAP_PAGE = 200;

interface StoredClient {
  /** Never holds client_secret: that is sealed apart. */
  metadata: ClientMetadata;
  secret?: Sealed;
  createdAt: number;
  /** Made by dynamic registration, not by an administrator. */
  registered?: true;
}

export interface ClientView {
  clientId: string;
  /** Never holds client_secret: that is sealed apart. */
  metadata: ClientMetadata;
  createdAt: number;
  /** Made by dynamic registration (RFC 7591), not by an administrator. */
  registered?: true;
}

export class ClientExistsError extends AlreadyExistsError {
  override name = 'ClientExistsError';
}

/** Validates metadata the way oidc-provider will read it; throws with a readable message. */
export type ValidateClient = (metadata: ClientMetadata) => Promise<void>;

export interface ClientRegistry {
  /** Registers a client. A confidential client without a secret gets a generated one, which
   * is returned here once and never again. */
  add(metadata: ClientMetadata): Promise<{ client: ClientView; secret?: string }>;
  get(clientId: string): Promise<ClientView | undefined>;
  /** Clients in client_id order, a page at a time, from after the cursor (a client_id). */
  list(page: { limit: number; after?: string }): Promise<{ clients: ClientView[]; next?: string }>;
  remove(clientId: string): Promise<boolean>;
  /** Re-seals every client secret not sealed under the first encryption key; returns how many. */
  rewrap(): Promise<number>;
  /** The read-only adapter oidc-provider uses for its Client model. */
  adapter(): Adapter;
  /** Listens for changes made by other instances; resolves to a function that stops. */
  follow(): Promise<() => Promise<void>>;
}

export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function createClientRegistry(
  documents: Documents,
  events: Events,
  box: SealedBox,
  validate: ValidateClient,
  now = () => Date.now(),
): ClientRegistry {
  const cache = new Map<string, { payload: AdapterPayload; until: number }>();
  const changed = async (clientId: string) => {
    cache.delete(clientId);
    await events.publish(CHANGED, clientId);
  };
  const read = async (clientId: string) => {
    const raw = await documents.get(CLIENTS, clientId);
    return raw === undefined ? undefined : (JSON.parse(raw) as StoredClient);
  };
  const view = (stored: StoredClient): ClientView => ({
    clientId: stored.metadata.client_id,
    metadata: stored.metadata,
    createdAt: stored.createdAt,
    ...(stored.registered ? { registered: true as const } : {}),
  });
  const unsupported = async () => {
    throw new Error('clients are managed through the admin API, not by oidc-provider');
  };
  // Registration (oidc-provider has validated the metadata and run Latchkey's policy on it).
  const registered = async (clientId: string, payload: AdapterPayload) => {
    const { client_secret: secret, ...metadata } = payload as ClientMetadata;
    if (metadata.client_id !== clientId) throw new errors.InvalidClientMetadata('client_id mismatch');
    const raw = await documents.get(CLIENTS, clientId);
    const before = raw === undefined ? undefined : (JSON.parse(raw) as StoredClient);
    if (before && !before.registered) throw new errors.InvalidClientMetadata('this client is managed by an administrator');
    const stored: StoredClient = {
      metadata,
      secret: typeof secret === 'string' ? box.seal(secret, `client:${clientId}`) : undefined,
      createdAt: before?.createdAt ?? now(),
      registered: true,
    };
    const written = raw === undefined ? await documents.insert(CLIENTS, clientId, JSON.stringify(stored)) : await documents.replace(CLIENTS, clientId, raw, JSON.stringify(stored));
    if (!written) throw new errors.InvalidClientMetadata('the client changed meanwhile; try again');
    await changed(clientId);
  };
  const unregistered = async (clientId: string) => {
    const stored = await read(clientId);
    if (!stored?.registered) return;
    await documents.remove(CLIENTS, clientId);
    await changed(clientId);
  };

  return {
    async add(input) {
      const { client_secret: given, ...metadata } = input;
      const isPublic = metadata.token_endpoint_auth_method === 'none';
      const needsSecret = !isPublic && metadata.token_endpoint_auth_method !== 'private_key_jwt';
      const secret = needsSecret ? (given ?? generateClientSecret()) : undefined;
      await validate(secret ? { ...metadata, client_secret: secret } : metadata);
      const stored: StoredClient = {
        metadata,
        secret: secret ? box.seal(secret, `client:${metadata.client_id}`) : undefined,
        createdAt: now(),
      };
      if (!(await documents.insert(CLIENTS, metadata.client_id, JSON.stringify(stored)))) {
        throw new ClientExistsError(`a client with id ${metadata.client_id} already exists`);
      }
      await changed(metadata.client_id);
      return { client: view(stored), secret: given ? undefined : secret };
    },
    async get(clientId) {
      const stored = await read(clientId);
      return stored && view(stored);
    },
    async list(page) {
      const { items, next } = await documents.list(CLIENTS, page);
      return { clients: items.map(({ value }) => view(JSON.parse(value) as StoredClient)), next };
    },
    async remove(clientId) {
      const removed = await documents.remove(CLIENTS, clientId);
      await changed(clientId);
      return removed;
    },
    async rewrap() {
      let count = 0;
      let after: string | undefined;
      do {
        const page = await documents.list(CLIENTS, { limit: REWRAP_PAGE, after });
        for (const { id: clientId, value: raw } of page.items) {
          const stored = JSON.parse(raw) as StoredClient;
          if (!stored.secret || !box.isStale(stored.secret)) continue;
          const aad = `client:${clientId}`;
          const resealed: StoredClient = { ...stored, secret: box.seal(box.open(stored.secret, aad), aad) };
          // Fenced: a client changed meanwhile is left for the next rewrap.
          if (await documents.replace(CLIENTS, clientId, raw, JSON.stringify(resealed))) count++;
        }
        after = page.next;
      } while (after !== undefined);
      return count;
    },
    follow() {
      return events.subscribe(CHANGED, (clientId) => cache.delete(clientId));
    },
    adapter() {
      return {
        async find(clientId: string): Promise<AdapterPayload | undefined> {
          const cached = cache.get(clientId);
          if (cached && cached.until > now()) return cached.payload;
          const stored = await read(clientId);
          if (!stored) return undefined;
          const client_secret = stored.secret && box.open(stored.secret, `client:${clientId}`);
          const payload = { ...stored.metadata, ...(client_secret ? { client_secret } : {}) } as AdapterPayload;
          cache.set(clientId, { payload, until: now() + CLIENT_CACHE_MS });
          return payload;
        },
        upsert: registered,
        findByUid: unsupported,
        findByUserCode: unsupported,
        consume: unsupported,
        destroy: unregistered,
        revokeByGrantId: unsupported,
      };
    },
  };
}
