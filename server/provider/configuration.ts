// The one place Latchkey's oidc-provider configuration is written. Every option below is
// documented in oidc-provider's docs/README.md under the same name; the comments say why we
// chose what we chose.
import { errors, type Adapter, type ClientMetadata, type Configuration, type FindAccount, type KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import type { Config, ResourceServer } from '../../config/index.ts';
import { SIGNING_ALGS } from '../../config/schema.ts';
import { cookieNames } from '../http/cookie-names.ts';
import { interactionPath, PROVIDER_ROUTES } from '../http/routes.ts';
import { originAllowed } from './cors.ts';
import { createPolicy } from './interaction-policy.ts';
import { mayIntrospect, RESOURCE_METADATA, resourceMetadataProblem, resourceServerFor } from './resource-access.ts';
import { CLAIMS_BY_SCOPE, OIDC_SCOPES } from './scopes.ts';
import { sessionTtl } from './session-lifetime.ts';
import { tokenIsLive } from './token-liveness.ts';
import { existingGrant } from './existing-grant.ts';
import { PKCE, pkceMetadataProblem, pkceRequired } from './pkce-policy.ts';
import { OFFLINE_MARKER } from './offline-access.ts';
import { fetchWithoutAddressChecks } from './internals.ts';
import { registrationFeatures, type RegistrationDeps } from './registration.ts';
import { dpopNonceSecret } from '../crypto/derived-keys.ts';

type Features = NonNullable<Configuration['features']>;
type DeviceFlow = NonNullable<Features['deviceFlow']>;
type Logout = NonNullable<Features['rpInitiatedLogout']>;

export interface ProviderPageSources {
  logoutSource: NonNullable<Logout['logoutSource']>;
  postLogoutSuccessSource: NonNullable<Logout['postLogoutSuccessSource']>;
  userCodeInputSource: NonNullable<DeviceFlow['userCodeInputSource']>;
  userCodeConfirmSource: NonNullable<DeviceFlow['userCodeConfirmSource']>;
  successSource: NonNullable<DeviceFlow['successSource']>;
  renderError: NonNullable<Configuration['renderError']>;
}

export interface ProviderDeps {
  config: Config;
  /** adapter(name): the persistence for each oidc-provider model. */
  adapter: (name: string) => Adapter;
  findAccount: FindAccount;
  jwks: JWK[];
  /** Cookie signing keys, newest first (the newest signs, any verifies). */
  cookieKeys: string[];
  staticClients: ClientMetadata[];
  /** The API (resource server) of an identifier, static or stored (apis/registry.ts). */
  findApi: (identifier: string) => Promise<ResourceServer | undefined>;
  /** The longest access token lifetime the signing keys stay published for. */
  maxAccessTokenTTL: number;
  /** The pages oidc-provider draws (logout, device, errors), in Latchkey's look. */
  pages: ProviderPageSources;
  /** A client asked about a token at the introspection endpoint, and whether it may know
   * (the account console's "last used", the audit trail). */
  introspected?: (ctx: KoaContextWithOIDC, asker: string, token: { jti?: string; grantId?: string; clientId?: string; accountId?: string; kind?: string }, allowed: boolean) => void;
  /** Latchkey's own apps (the account console): never asked for consent. */
  firstPartyClients: ReadonlySet<string>;
  /** Dynamic client registration (registration.ts): off unless DYNAMIC_REGISTRATION. */
  registration?: RegistrationDeps;
}

export function buildConfiguration({ config, adapter, findAccount, jwks, cookieKeys, staticClients, findApi, maxAccessTokenTTL, pages, introspected, firstPartyClients, registration }: ProviderDeps): Configuration {
  return {
    adapter,
    clients: staticClients,
    findAccount,
    jwks: { keys: jwks as Configuration['jwks'] extends { keys: infer K } | undefined ? K : never },
    claims: CLAIMS_BY_SCOPE,
    // ID_TOKEN_CLAIMS=scopes (the default) puts the claims of granted scopes in the ID token as
    // well, which is what relying parties read; strict keeps them to userinfo (OIDC Core 5.4).
    conformIdTokenClaims: config.idTokenClaims === 'strict',
    // Latchkey's own account console asks for no consent (provider/existing-grant.ts).
    loadExistingGrant: existingGrant(firstPartyClients),
    // Outgoing requests keep oidc-provider's refusal of private addresses unless told otherwise.
    ...(config.outboundPrivateNetworks ? { fetch: fetchWithoutAddressChecks } : {}),
    scopes: OIDC_SCOPES,
    // Latchkey's mark on a prompt=consent it added for offline_access (offline-access.ts).
    extraParams: [OFFLINE_MARKER],
    // Rotated with the signing keys; the newest signs, the older ones still verify live sessions.
    cookies: {
      keys: cookieKeys,
      names: (({ session, interaction, resume }) => ({ session, interaction, resume }))(cookieNames(config.issuer.startsWith('https://'))),
    },
    ttl: {
      AccessToken: config.ttl.accessToken,
      ClientCredentials: config.ttl.accessToken,
      AuthorizationCode: config.ttl.authorizationCode,
      IdToken: config.ttl.idToken,
      RefreshToken: config.ttl.refreshToken,
      DeviceCode: config.ttl.deviceCode,
      Interaction: config.ttl.interaction,
      Session: (_ctx, session) => sessionTtl(session, Math.floor(Date.now() / 1000), { idleSeconds: config.ttl.sessionIdle, maxSeconds: config.ttl.sessionMax }),
      Grant: config.ttl.grant,
    },
    // Which APIs a client may get tokens for and which it serves (see resource-access.ts).
    extraClientMetadata: {
      properties: [...RESOURCE_METADATA, PKCE],
      validator: (_ctx, key, value, metadata) => {
        const problem = resourceMetadataProblem(key, value, metadata) ?? pkceMetadataProblem(key, value, metadata);
        if (problem) throw new errors.InvalidClientMetadata(problem);
      },
    },
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      // RS256 unless configured: the default of OpenID Connect Dynamic Client Registration §2,
      // which RPs pin (express-openid-connect, passport). JWT access tokens keep SIGNING_ALG.
      id_token_signed_response_alg: config.idTokenSigningAlg,
    },
    // The code flow only: implicit and hybrid leak tokens through the front channel.
    responseTypes: ['code'],
    // PKCE (S256, the only method oidc-provider v9 offers) for every client, public or not,
    // unless a confidential client's policy makes it optional for OpenID requests with a nonce
    // (pkce-policy.ts, RFC 9700 §2.1.1).
    pkce: { required: (ctx, client) => pkceRequired(client, ctx.oidc.params ?? {}) },
    // Every refresh rotates; oidc-provider revokes the whole grant when a rotated token comes back.
    rotateRefreshToken: true,
    interactions: { policy: createPolicy(), url: (_ctx, interaction) => interactionPath(interaction.uid) },
    routes: PROVIDER_ROUTES,
    renderError: pages.renderError,
    enabledJWA: {
      // Every algorithm the keyset holds a key for (keys/keyset.ts SIGNING_ALGS).
      idTokenSigningAlgValues: [...SIGNING_ALGS],
      userinfoSigningAlgValues: [...SIGNING_ALGS],
      introspectionSigningAlgValues: [...SIGNING_ALGS],
      authorizationSigningAlgValues: [...SIGNING_ALGS],
      requestObjectSigningAlgValues: ['ES256', 'RS256', 'PS256', 'EdDSA'],
      clientAuthSigningAlgValues: ['ES256', 'RS256', 'PS256', 'EdDSA'],
      dPoPSigningAlgValues: ['ES256', 'EdDSA', 'PS256', 'RS256'],
    },
    features: {
      // Latchkey draws its own login and consent pages.
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      clientCredentials: { enabled: true },
      // A token's own client, and the confidential clients serving the API it is for, may
      // introspect it; anyone else hears active: false (resource-access.ts).
      introspection: {
        enabled: true,
        allowedPolicy: async (ctx, client, token) => {
          const allowed = mayIntrospect(client, token) && (await tokenIsLive(ctx, token, findAccount));
          introspected?.(ctx, client.clientId, token as never, allowed);
          return allowed;
        },
      },
      // A client revokes only its own tokens (RFC 7009 2.1); a public client asking about another
      // client's token learns nothing either way.
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod === 'none') return false;
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        },
      },
      userinfo: { enabled: true },
      // RFC 7591/7592 with operator-issued initial access tokens (registration.ts).
      ...registrationFeatures(config.dynamicRegistration ? registration : undefined),
      // Apps that register a backchannel_logout_uri are told when a session they signed in
      // through ends: signing out, or the person ending it from the account console.
      backchannelLogout: { enabled: true },
      // With DPOP_NONCE, every proof must carry a nonce the server issued (RFC 9449 §8); the
      // nonce secret is derived from KEYS_ENCRYPTION_KEY so every instance accepts every other's.
      dPoP: config.dpopNonce ? { enabled: true, nonceSecret: dpopNonceSecret(config.keysEncryptionKeys[0]!), requireNonce: () => true } : { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: pages.userCodeInputSource,
        userCodeConfirmSource: pages.userCodeConfirmSource,
        successSource: pages.successSource,
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: pages.logoutSource,
        postLogoutSuccessSource: pages.postLogoutSuccessSource,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        // Only registered APIs the client is allowed may be named as a resource, with the scopes
        // allowed to it there; their tokens are RFC 9068 JWTs unless the API asks for opaque ones.
        getResourceServerInfo: async (_ctx, identifier, client) => {
          const info = resourceServerFor(await findApi(identifier), client, { fallback: config.ttl.accessToken, max: maxAccessTokenTTL });
          if (!info) throw new errors.InvalidTarget('resource indicator is unknown or not allowed for this client');
          return { ...info, ...(info.accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: config.signingAlg } } } : {}) };
        },
      },
    },
    // SPAs (public clients) may call the token, userinfo and revocation endpoints from the
    // origins of their registered redirect URIs (see cors.ts).
    clientBasedCORS: (ctx, origin, client) => originAllowed(origin, client, ctx.oidc.route),
    discovery: {
      service_documentation: `${config.issuer}/`,
    },
  };
}
