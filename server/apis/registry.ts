// The API registry: the resource servers (RFC 8707) clients may ask tokens for. Two sources, one
// view: RESOURCE_SERVERS (static, read-only, from the configuration) and APIs added through the
// admin API, kept as documents in the store. An identifier lives in one of them only: adding a
// static one is refused, and a stored one that RESOURCE_SERVERS also names stops start-up.
//
// oidc-provider reads an API on every token request that names it, so a stored API is cached for
// a few seconds. Adding or removing one announces it to every instance, which drop their copy at
// once; a lost announcement is bounded by the cache lifetime.
import { ConfigError, type ResourceServer } from '../../config/index.ts';
import { isResourceIdentifier } from '../../config/schema.ts';
import { AlreadyExistsError, LatchkeyError, PolicyError } from '../errors.ts';
import type { Documents, Events } from '../store/types.ts';

const APIS = 'apis';
const CHANGED = 'apis-changed';
export const API_CACHE_MS = 5_000;

export const STATIC_SOURCE = 'RESOURCE_SERVERS';

interface StoredApi {
  api: ResourceServer;
  createdAt: number;
}

export interface ApiView extends ResourceServer {
  /** Where it is defined: the RESOURCE_SERVERS setting, or the store (the admin API). */
  source: typeof STATIC_SOURCE | 'store';
  createdAt?: number;
}

export class ApiExistsError extends AlreadyExistsError {
  override name = 'ApiExistsError';
}

/** An API defined by RESOURCE_SERVERS: only the setting changes it. */
export class StaticApiError extends LatchkeyError {
  override name = 'StaticApiError';
  constructor(identifier: string) {
    super(409, 'conflict', `${identifier} is defined by ${STATIC_SOURCE}; change that setting to change it`);
  }
}

export interface ApiRegistry {
  add(api: ResourceServer): Promise<ApiView>;
  get(identifier: string): Promise<ApiView | undefined>;
  /** Every API, static and stored, in identifier order, a page at a time from after the cursor. */
  list(page: { limit: number; after?: string }): Promise<{ apis: ApiView[]; next?: string }>;
  remove(identifier: string): Promise<boolean>;
  /** Throws a ConfigError naming RESOURCE_SERVERS when it names an API the store also holds. */
  checkStaticApis(): Promise<void>;
  /** Listens for changes made by other instances; resolves to a function that stops. */
  follow(): Promise<() => Promise<void>>;
}

export interface ApiRegistryOptions {
  /** RESOURCE_SERVERS. */
  statics: readonly ResourceServer[];
  /** The longest JWT lifetime the signing keys stay published for (keys/rotation-policy.ts). */
  maxAccessTokenTTL: number;
  now?: () => number;
}

// Identifiers are printable ASCII (config/schema.ts), so UTF-16 order is the store's byte order.
const byIdentifier = (a: { identifier: string }, b: { identifier: string }) => (a.identifier < b.identifier ? -1 : a.identifier > b.identifier ? 1 : 0);

export function createApiRegistry(documents: Documents, events: Events, options: ApiRegistryOptions): ApiRegistry {
  const now = options.now ?? (() => Date.now());
  const statics = new Map(options.statics.map((api) => [api.identifier, { ...api, source: STATIC_SOURCE } as ApiView]));
  const sortedStatics = [...statics.values()].sort(byIdentifier);
  const cache = new Map<string, { view: ApiView; until: number }>();

  const view = (stored: StoredApi): ApiView => ({ ...stored.api, source: 'store', createdAt: stored.createdAt });
  const changed = async (identifier: string) => {
    cache.delete(identifier);
    await events.publish(CHANGED, identifier);
  };

  return {
    async add(api) {
      if (statics.has(api.identifier)) throw new StaticApiError(api.identifier);
      if (api.accessTokenTTL !== undefined && api.accessTokenTTL > options.maxAccessTokenTTL) {
        throw new PolicyError(
          `accessTokenTTL: at most ${options.maxAccessTokenTTL} seconds, the longest token lifetime signing keys stay published for (raise ACCESS_TOKEN_TTL to allow more)`,
        );
      }
      const stored: StoredApi = { api, createdAt: now() };
      if (!(await documents.insert(APIS, api.identifier, JSON.stringify(stored)))) {
        throw new ApiExistsError(`an API with identifier ${api.identifier} already exists`);
      }
      await changed(api.identifier);
      return view(stored);
    },
    async get(identifier) {
      const fixed = statics.get(identifier);
      if (fixed) return fixed;
      const cached = cache.get(identifier);
      if (cached && cached.until > now()) return cached.view;
      // Whatever a request names as its resource reaches here: what no API could be named costs
      // no round trip to the store.
      if (!isResourceIdentifier(identifier)) return undefined;
      const raw = await documents.get(APIS, identifier);
      if (raw === undefined) return undefined;
      const found = view(JSON.parse(raw) as StoredApi);
      cache.set(identifier, { view: found, until: now() + API_CACHE_MS });
      return found;
    },
    async list({ limit, after }) {
      const page = await documents.list(APIS, { limit, after });
      const stored = page.items.map(({ value }) => view(JSON.parse(value) as StoredApi));
      const fixed = sortedStatics.filter((api) => after === undefined || api.identifier > after);
      const merged = [...stored, ...fixed].sort(byIdentifier);
      const apis = merged.slice(0, limit);
      // More remains when this page left some out, or the store has a page after this one.
      const more = merged.length > limit || page.next !== undefined;
      return more && apis.length > 0 ? { apis, next: apis.at(-1)!.identifier } : { apis };
    },
    async remove(identifier) {
      if (statics.has(identifier)) throw new StaticApiError(identifier);
      const removed = await documents.remove(APIS, identifier);
      await changed(identifier);
      return removed;
    },
    async checkStaticApis() {
      const both: string[] = [];
      for (const identifier of statics.keys()) {
        if ((await documents.get(APIS, identifier)) !== undefined) both.push(identifier);
      }
      if (both.length > 0) {
        throw new ConfigError(
          both.map((identifier) => `${STATIC_SOURCE}: ${identifier} is also stored through the admin API; keep one (latchkey apis remove --identifier ${identifier}, or drop it from ${STATIC_SOURCE})`),
        );
      }
    },
    follow() {
      return events.subscribe(CHANGED, (identifier) => cache.delete(identifier));
    },
  };
}
