// The ceiling Latchkey is measured against: the bare oidc-provider, its default in-memory
// adapter, static clients, and the same feature settings as server/provider/configuration.ts
// (kept in step by hand: when that file changes, change this one). It adds only what the
// benchmark needs and a bare library user would write: a findAccount over a Map, and minimal
// login/consent pages with bcrypt at the same cost, so login throughput compares fairly.
//
// The default in-memory adapter keeps its records in an LRU of 1000 entries: under load it
// drops live tokens within a fraction of a second (userinfo then answers 401, introspection
// active:false), so it would not be storing what Latchkey stores. BASELINE_STORE_SIZE gives the
// library's own MemoryAdapter class a bigger LRU of the same kind (same code paths); 0 keeps the
// default adapter and its 1000 entries.
//
// Environment: PORT, ISSUER, SIGNING_ALG, BCRYPT_COST, RESOURCE_SERVERS, BASELINE_STORE_SIZE,
// BENCH_FIXTURES (JSON of bench/fixtures.ts Fixtures). Listens on 127.0.0.1 with provider.listen and trusts
// X-Forwarded-Proto, like Latchkey behind TLS termination.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import bcrypt from 'bcrypt';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';
import Provider, { errors, interactionPolicy, type ClientMetadata, type Configuration } from 'oidc-provider';
import { envSchema } from '../config/schema.ts';
import type { Fixtures } from './fixtures.ts';

// Defaults and parsing from Latchkey's own schema: the same TTLs and resource servers.
const env = envSchema.parse(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== '')));
const issuer = process.env.ISSUER!;
const fixtures = JSON.parse(process.env.BENCH_FIXTURES!) as Fixtures;
const signingAlg = env.SIGNING_ALG;
const apis = new Map((env.RESOURCE_SERVERS ?? []).map((api) => [api.identifier, api]));

async function key(alg: 'ES256' | 'RS256'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg, use: 'sig' };
}

interface Account {
  sub: string;
  email: string;
  name: string;
  hash: string;
}
const accounts = new Map<string, Account>();
const byEmail = new Map<string, Account>();
for (const user of fixtures.users) {
  const account = { sub: randomBytes(16).toString('base64url'), email: user.email, name: user.name, hash: await bcrypt.hash(user.password, env.BCRYPT_COST) };
  accounts.set(account.sub, account);
  byEmail.set(account.email, account);
}

const configuration: Configuration = {
  clients: [fixtures.service, fixtures.introspector, ...fixtures.apps] as unknown as ClientMetadata[],
  findAccount: async (_ctx, sub) => {
    const account = accounts.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      claims: async () => ({ sub, email: account.email, email_verified: true, name: account.name }),
    };
  },
  jwks: { keys: (await Promise.all([key('ES256'), key('RS256')])) as never },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username', 'updated_at'],
  },
  scopes: ['openid', 'email', 'profile', 'offline_access'],
  conformIdTokenClaims: env.ID_TOKEN_CLAIMS === 'strict',
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  ttl: {
    AccessToken: env.ACCESS_TOKEN_TTL,
    ClientCredentials: env.ACCESS_TOKEN_TTL,
    AuthorizationCode: env.AUTHORIZATION_CODE_TTL,
    IdToken: env.ID_TOKEN_TTL,
    RefreshToken: env.REFRESH_TOKEN_TTL,
    DeviceCode: env.DEVICE_CODE_TTL,
    Interaction: env.INTERACTION_TTL,
    Session: env.SESSION_IDLE_TTL,
    Grant: env.GRANT_TTL,
  },
  clientDefaults: {
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    // As Latchkey: RS256 ID tokens unless ID_TOKEN_SIGNING_ALG says otherwise (ES256 or RS256
    // here: the baseline holds no PS256 or EdDSA key); JWT access tokens sign with SIGNING_ALG.
    id_token_signed_response_alg: env.ID_TOKEN_SIGNING_ALG === 'ES256' ? 'ES256' : 'RS256',
  },
  responseTypes: ['code'],
  pkce: { required: () => true },
  rotateRefreshToken: true,
  interactions: { policy: interactionPolicy.base(), url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  enabledJWA: {
    idTokenSigningAlgValues: ['ES256', 'RS256'],
    userinfoSigningAlgValues: ['ES256', 'RS256'],
    introspectionSigningAlgValues: ['ES256', 'RS256'],
    authorizationSigningAlgValues: ['ES256', 'RS256'],
    requestObjectSigningAlgValues: ['ES256', 'RS256', 'PS256', 'EdDSA'],
    clientAuthSigningAlgValues: ['ES256', 'RS256', 'PS256', 'EdDSA'],
    dPoPSigningAlgValues: ['ES256', 'EdDSA', 'PS256', 'RS256'],
  },
  features: {
    devInteractions: { enabled: false },
    claimsParameter: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      allowedPolicy: async (ctx, client, token) => client.clientAuthMethod !== 'none' || token.clientId === ctx.oidc.client?.clientId,
    },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    dPoP: { enabled: true },
    pushedAuthorizationRequests: { enabled: true },
    deviceFlow: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, identifier) => {
        const api = apis.get(identifier);
        if (!api) throw new errors.InvalidTarget(`unknown resource ${identifier}`);
        return {
          scope: api.scopes.map((scope) => scope.name).join(' '),
          audience: api.identifier,
          accessTokenTTL: api.accessTokenTTL ?? env.ACCESS_TOKEN_TTL,
          accessTokenFormat: api.accessTokenFormat,
          ...(api.accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: signingAlg } } } : {}),
        };
      },
    },
  },
  clientBasedCORS: (ctx, origin, client) => {
    if (origin === 'null') return false;
    if (client.clientAuthMethod !== 'none' && ctx.oidc.route !== 'userinfo') return false;
    return client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false;
  },
};

const storeSize = Number(process.env.BASELINE_STORE_SIZE ?? 0);
if (storeSize > 0) {
  const storage = new LRU({ maxSize: storeSize });
  configuration.adapter = (model: string) => new MemoryAdapter(model, storage) as never;
}

const provider = new Provider(issuer, configuration);
provider.proxy = true;

async function formBody(ctx: { req: IncomingMessage }): Promise<URLSearchParams> {
  let raw = '';
  ctx.req.setEncoding('utf8');
  for await (const chunk of ctx.req) raw += chunk as string;
  return new URLSearchParams(raw);
}

const page = (title: string, form: string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>${form}</body></html>`;

// Minimal interaction pages: GET shows login or consent, POST finishes the prompt.
provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(login|consent))?$/.exec(ctx.path);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const [, uid, action] = match;
  if (ctx.method === 'GET' && !action) {
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body =
      details.prompt.name === 'login'
        ? page('Sign in', `<form method="post" action="/interaction/${uid}/login"><label for="email">Email</label><input id="email" name="email"><label for="password">Password</label><input id="password" name="password" type="password"><button type="submit">Sign in</button></form>`)
        : page('Allow access', `<form method="post" action="/interaction/${uid}/consent"><button type="submit" name="decision" value="allow">Allow</button></form>`);
    return;
  }
  if (ctx.method === 'POST' && action === 'login') {
    const body = await formBody(ctx);
    const account = byEmail.get(body.get('email') ?? '');
    const ok = account ? await bcrypt.compare(body.get('password') ?? '', account.hash) : false;
    if (!account || !ok) {
      ctx.status = 401;
      ctx.body = page('Sign in', 'Incorrect email or password.');
      return;
    }
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: account.sub, amr: ['pwd'] } }, { mergeWithLastSubmission: false });
    ctx.respond = false;
    return;
  }
  if (ctx.method === 'POST' && action === 'consent') {
    await formBody(ctx);
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    const grant =
      (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
      new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) });
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    ctx.respond = false;
    return;
  }
  ctx.status = 405;
});

provider.on('server_error', (_ctx, err) => process.stderr.write(`baseline server_error: ${err.stack ?? err}\n`));
const server = provider.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('baseline listening\n'));
// A clean exit, so --cpu-prof writes its profile.
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
