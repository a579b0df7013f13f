// Least privilege for APIs (resource servers): which client may get tokens for which API, with
// which scopes, and who may introspect a token. Two client metadata properties (oidc-provider's
// extraClientMetadata) carry it, both empty by default:
//
//   allowed_resources  { "<API identifier>": "<scope> <scope>" }: the APIs the client may get
//                      tokens for, each with the scopes it may have there ("" for none). A map,
//                      not a list plus the client's `scope`: two APIs may both define `read`, and
//                      `scope` already limits the OpenID Connect scopes in oidc-provider.
//   serves_resources   [ "<API identifier>" ]: the client is that API's own credentials, so it
//                      may introspect tokens issued for it. Kept on the client, beside what it
//                      may obtain, so one record shows everything a client can do.
//
// Everything here is pure: oidc-provider's configuration (configuration.ts) calls it.
import type { ResourceServer } from '../../config/index.ts';
import { isResourceIdentifier, SCOPE_TOKEN } from '../../config/schema.ts';

export const ALLOWED_RESOURCES = 'allowed_resources';
export const SERVES_RESOURCES = 'serves_resources';
export const RESOURCE_METADATA = [ALLOWED_RESOURCES, SERVES_RESOURCES] as const;

const MAX_RESOURCES = 50;

export type AllowedResources = Record<string, string>;

/** The scopes of an `allowed_resources` value, each once. */
export function scopesOf(value: string): string[] {
  return [...new Set(value.split(' ').filter(Boolean))];
}

/**
 * Checks one of the properties above the way oidc-provider's extraClientMetadata.validator is
 * called (for every client built, stored or from CLIENTS_FILE); returns the problem, or
 * undefined when the value is good.
 */
export function resourceMetadataProblem(key: string, value: unknown, metadata: { token_endpoint_auth_method?: unknown }): string | undefined {
  if (value === undefined) return undefined;
  if (key === ALLOWED_RESOURCES) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return `${key} must be an object mapping each API identifier to the space-separated scopes allowed there`;
    }
    const entries = Object.entries(value);
    if (entries.length > MAX_RESOURCES) return `${key} may name at most ${MAX_RESOURCES} APIs`;
    for (const [identifier, scopes] of entries) {
      if (!isResourceIdentifier(identifier)) return `${key}: ${identifier.slice(0, 100)} is not an absolute URI without a fragment`;
      if (typeof scopes !== 'string' || scopes.length > 2000) return `${key}: the scopes of ${identifier} must be a space-separated string`;
      if (!scopesOf(scopes).every((scope) => SCOPE_TOKEN.test(scope))) return `${key}: the scopes of ${identifier} must be scope tokens`;
    }
    return undefined;
  }
  if (key === SERVES_RESOURCES) {
    if (!Array.isArray(value) || value.length > MAX_RESOURCES || !value.every((v) => typeof v === 'string' && isResourceIdentifier(v))) {
      return `${key} must be an array of at most ${MAX_RESOURCES} API identifiers (absolute URIs without a fragment)`;
    }
    if (new Set(value).size !== value.length) return `${key} must name each API once`;
    // Introspection is for clients that prove who they are.
    if (value.length > 0 && metadata.token_endpoint_auth_method === 'none') return `${key}: a public client cannot act as an API`;
    return undefined;
  }
  return undefined;
}

/** What a Client object carries of the properties above (oidc-provider keeps their names verbatim). */
export interface ResourceClient {
  readonly clientId: string;
  readonly clientAuthMethod?: string | undefined;
}

const property = (client: ResourceClient, key: string): unknown => (client as unknown as Record<string, unknown>)[key];

/** The scopes the client may have at the API, or undefined when it may not use the API at all. */
export function allowedScopes(client: ResourceClient, identifier: string): string[] | undefined {
  const allowed = property(client, ALLOWED_RESOURCES) as AllowedResources | undefined;
  const scopes = allowed && Object.hasOwn(allowed, identifier) ? allowed[identifier] : undefined;
  return scopes === undefined ? undefined : scopesOf(scopes);
}

export function servedResources(client: ResourceClient): readonly string[] {
  return (property(client, SERVES_RESOURCES) as string[] | undefined) ?? [];
}

/** What getResourceServerInfo answers: the API's scopes narrowed to the client's, or undefined
 * (invalid_target) for an API that does not exist or that the client may not use. oidc-provider
 * then grants, offers at consent and puts in tokens only scopes of that answer. */
export function resourceServerFor(
  api: ResourceServer | undefined,
  client: ResourceClient,
  ttl: { fallback: number; max: number },
): { scope: string; audience: string; accessTokenTTL: number; accessTokenFormat: 'jwt' | 'opaque' } | undefined {
  const mine = api && allowedScopes(client, api.identifier);
  if (!api || !mine) return undefined;
  const theirs = new Set(api.scopes.map((scope) => scope.name));
  return {
    scope: mine.filter((scope) => theirs.has(scope)).join(' '),
    audience: api.identifier,
    // An API stored with a longer life than the signing keys cover (the setting changed since)
    // is held to that bound, so no JWT outlives the key that verifies it.
    accessTokenTTL: Math.min(api.accessTokenTTL ?? ttl.fallback, ttl.max),
    accessTokenFormat: api.accessTokenFormat,
  };
}

export interface IntrospectedToken {
  readonly kind: string;
  readonly clientId?: string | undefined;
  readonly aud?: string | string[] | undefined;
}

/**
 * Whether the caller may learn about the token (RFC 7662 §2.1 leaves it to the server; refused
 * callers hear `active: false`): the token's own client, or a confidential client serving the API
 * the token is for. Refresh tokens, and access tokens without an audience (the userinfo kind), are
 * for their own client only.
 */
export function mayIntrospect(caller: ResourceClient, token: IntrospectedToken): boolean {
  if (token.clientId !== undefined && token.clientId === caller.clientId) return true;
  if (caller.clientAuthMethod === 'none' || token.kind === 'RefreshToken') return false;
  const audiences = token.aud === undefined ? [] : [token.aud].flat();
  const served = servedResources(caller);
  return audiences.some((audience) => served.includes(audience));
}
