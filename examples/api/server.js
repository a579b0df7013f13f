// @ts-check
// The example API: a resource server that accepts Latchkey's access tokens.
//
//   GET /api/hello   answers with who called, if the bearer token is good
//   GET /healthz     answers ok
//
// Two kinds of access token reach it:
//   - JWT access tokens (RFC 9068), which Latchkey issues for an API registered with the default
//     format. They are checked here, offline, against Latchkey's published keys (JWKS):
//     signature, issuer, audience (this API), `typ: at+jwt`, expiry.
//   - Opaque access tokens, which only Latchkey can read: the API asks Latchkey's introspection
//     endpoint (RFC 7662), authenticating as a confidential client of its own. Latchkey answers
//     that client only about tokens issued for this API (the client serves it); any other token
//     reads as inactive.
// Either way the token must be meant for this API: its audience names API_AUDIENCE, and it carries
// the API's scope.
import { createServer } from 'node:http';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

const env = process.env;
const PORT = Number(env.PORT ?? 8082);
const HOST = env.HOST ?? 'localhost';
const LATCHKEY_URL = (env.LATCHKEY_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const AUDIENCE = env.API_AUDIENCE ?? `http://localhost:${PORT}`;
const REQUIRED_SCOPE = env.API_SCOPE ?? 'api:read';
const CLIENT_ID = env.INTROSPECTION_CLIENT_ID ?? 'example-api';
const CLIENT_SECRET = env.INTROSPECTION_CLIENT_SECRET ?? '';
const ALLOWED_ORIGINS = new Set(list(env.ALLOWED_ORIGINS ?? 'http://localhost:8080'));

/** @param {string} value */
function list(value) {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** An OAuth bearer-token failure (RFC 6750 §3.1). */
class BearerError extends Error {
  /** @param {number} status @param {string} code @param {string} description */
  constructor(status, code, description) {
    super(description);
    this.status = status;
    this.code = code;
  }
}

// Latchkey's endpoints come from its discovery document, fetched once when first needed (so the
// API may start before Latchkey) and again after a failure.
/** @type {Promise<{ issuer: string, jwks: ReturnType<typeof createRemoteJWKSet>, introspection: string }> | undefined} */
let discovered;
function latchkey() {
  discovered ??= (async () => {
    const response = await fetch(`${LATCHKEY_URL}/.well-known/openid-configuration`);
    if (!response.ok) throw new Error(`discovery failed with HTTP ${response.status}`);
    const metadata = await response.json();
    if (metadata.issuer !== LATCHKEY_URL) throw new Error(`discovery names issuer ${metadata.issuer}, expected ${LATCHKEY_URL}`);
    return { issuer: metadata.issuer, jwks: createRemoteJWKSet(new URL(metadata.jwks_uri)), introspection: metadata.introspection_endpoint };
  })().catch((error) => {
    discovered = undefined;
    throw error;
  });
  return discovered;
}

/**
 * @typedef {{ sub?: string, client_id?: string, scope?: string, aud?: string | string[], exp?: number }} TokenClaims
 * @param {string} token
 * @returns {Promise<{ format: 'jwt' | 'opaque', claims: TokenClaims }>}
 */
async function verify(token) {
  const server = await latchkey();
  if (token.split('.').length === 3) {
    try {
      const { payload } = await jwtVerify(token, server.jwks, {
        issuer: server.issuer,
        audience: AUDIENCE,
        typ: 'at+jwt',
        algorithms: ['ES256', 'RS256'],
      });
      // A sender-constrained (DPoP) token is only good with a proof this API does not check.
      if (payload.cnf) throw new BearerError(401, 'invalid_token', 'the token is bound to a key (DPoP); this API accepts bearer tokens only');
      return { format: 'jwt', claims: /** @type {TokenClaims} */ (payload) };
    } catch (error) {
      if (error instanceof BearerError) throw error;
      if (error instanceof errors.JOSEError) throw new BearerError(401, 'invalid_token', `the token was rejected (${error.code})`);
      throw error;
    }
  }
  const claims = await introspect(server.introspection, token);
  const audiences = claims.aud === undefined ? [] : [claims.aud].flat();
  // Latchkey tells this API only about its own tokens; checked again all the same.
  if (!audiences.includes(AUDIENCE)) throw new BearerError(401, 'invalid_token', 'the token is not meant for this API');
  return { format: 'opaque', claims };
}

/** @param {string} endpoint @param {string} token @returns {Promise<TokenClaims>} */
async function introspect(endpoint, token) {
  // RFC 6749 §2.3.1: the id and secret are form-encoded before they go into Basic.
  const basic = Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64');
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
  });
  if (!response.ok) throw new Error(`introspection failed with HTTP ${response.status}; check INTROSPECTION_CLIENT_ID and INTROSPECTION_CLIENT_SECRET`);
  const body = await response.json();
  // Inactive (or not this API's to know about), a refresh token (no token_type), or
  // sender-constrained (DPoP): not a bearer access token for this API.
  if (body.active !== true || body.token_type !== 'Bearer') throw new BearerError(401, 'invalid_token', 'the token is not active');
  return body;
}

/** @param {import('node:http').IncomingMessage} req */
function bearerToken(req) {
  const match = /^Bearer ([\w\-.~+/]+=*)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/** @param {import('node:http').ServerResponse} res @param {number} status @param {unknown} body @param {Record<string, string>} [headers] */
function json(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
function cors(req, res) {
  const origin = req.headers.origin;
  res.setHeader('vary', 'Origin');
  if (!origin || !ALLOWED_ORIGINS.has(origin)) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-expose-headers', 'WWW-Authenticate');
  return true;
}

/** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
async function hello(req, res) {
  const token = bearerToken(req);
  const realm = 'realm="example-api"';
  if (!token) return json(res, 401, { error: 'unauthorized', error_description: 'send an access token: Authorization: Bearer …' }, { 'www-authenticate': `Bearer ${realm}` });
  try {
    const { format, claims } = await verify(token);
    const scopes = String(claims.scope ?? '').split(' ').filter(Boolean);
    if (!scopes.includes(REQUIRED_SCOPE)) throw new BearerError(403, 'insufficient_scope', `this call needs the scope ${REQUIRED_SCOPE}`);
    json(res, 200, {
      message: `Hello, ${claims.sub}! Your token was accepted.`,
      sub: claims.sub,
      client_id: claims.client_id,
      scope: scopes,
      token_format: format,
      checked_by: format === 'jwt' ? 'signature (JWKS)' : 'introspection',
      expires_at: claims.exp ? new Date(claims.exp * 1000).toISOString() : undefined,
    });
  } catch (error) {
    if (!(error instanceof BearerError)) throw error;
    const challenge = `Bearer ${realm}, error="${error.code}", error_description="${error.message}"${error.code === 'insufficient_scope' ? `, scope="${REQUIRED_SCOPE}"` : ''}`;
    json(res, error.status, { error: error.code, error_description: error.message }, { 'www-authenticate': challenge });
  }
}

const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://api').pathname;
  try {
    const allowedOrigin = cors(req, res);
    if (req.method === 'OPTIONS' && path === '/api/hello') {
      if (!allowedOrigin) return json(res, 403, { error: 'origin_not_allowed' });
      res.writeHead(204, { 'access-control-allow-methods': 'GET', 'access-control-allow-headers': 'Authorization', 'access-control-max-age': '600' });
      return res.end();
    }
    if (req.method === 'GET' && path === '/api/hello') return await hello(req, res);
    if (req.method === 'GET' && path === '/healthz') return json(res, 200, { ok: true });
    json(res, 404, { error: 'not_found' });
  } catch (error) {
    console.error('example-api:', error);
    json(res, 502, { error: 'temporarily_unavailable', error_description: 'could not check the token with Latchkey' });
  }
});

server.listen(PORT, HOST, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : PORT;
  console.log(`example API listening on http://${HOST}:${port} (audience ${AUDIENCE}, Latchkey ${LATCHKEY_URL})`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
