// @ts-check
// The example web app: a server-side app (a confidential client, with a secret) that signs people
// in with Latchkey through openid-client, shows the ID token's claims, calls the example API with
// its access token, signs out through Latchkey (RP-initiated logout), and is signed out by
// Latchkey when the person ends that session elsewhere (OpenID Connect Back-Channel Logout 1.0).
//
//   GET  /           home: a Sign in button, or who is signed in
//   GET  /login      starts the authorization code flow (PKCE, state, nonce)
//   GET  /callback   Latchkey sends the person back here; the code is exchanged for tokens
//   POST /call-api   calls the example API with the access token
//   POST /logout     ends the local session, then Latchkey's
//   POST /backchannel-logout   Latchkey's signed logout token: the sessions it names end
//
// Tokens never reach the browser: it holds only a random session id in an HttpOnly cookie.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';

const env = process.env;
const PORT = Number(env.PORT ?? 8081);
const HOST = env.HOST ?? 'localhost';
const APP_URL = (env.APP_URL ?? `http://localhost:${PORT}`).replace(/\/$/, '');
const LATCHKEY_URL = (env.LATCHKEY_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const CLIENT_ID = env.CLIENT_ID ?? 'example-webapp';
const CLIENT_SECRET = env.CLIENT_SECRET ?? '';
const API_URL = (env.API_URL ?? 'http://localhost:8082').replace(/\/$/, '');
// The API's identifier in Latchkey (latchkey apis add --identifier): naming it gets an access token
// for it, a JWT unless the API was registered with opaque tokens.
const API_RESOURCE = env.API_RESOURCE ?? API_URL;
const SCOPE = env.SCOPE ?? 'openid profile email api:read';
const REDIRECT_URI = `${APP_URL}/callback`;
const COOKIE = 'webapp_session';
const STYLE = readFileSync(join(import.meta.dirname, 'style.css'));

if (!CLIENT_SECRET) {
  console.error('example-webapp: set CLIENT_SECRET to the secret `latchkey clients add` printed (see README.md)');
  process.exit(2);
}

// Latchkey's configuration is discovered when first needed, so the app may start before it.
/** @type {Promise<oidc.Configuration> | undefined} */
let discovered;
function latchkey() {
  discovered ??= oidc
    .discovery(new URL(LATCHKEY_URL), CLIENT_ID, CLIENT_SECRET, undefined, {
      // Development runs Latchkey on plain http://localhost; production issuers are https.
      execute: LATCHKEY_URL.startsWith('http://') ? [oidc.allowInsecureRequests] : [],
    })
    .catch((error) => {
      discovered = undefined;
      throw error;
    });
  return discovered;
}

/**
 * @typedef {{ verifier: string, state: string, nonce: string }} PendingLogin
 * @typedef {{ pending?: PendingLogin, idToken?: string, accessToken?: string, claims?: Record<string, unknown>, api?: { status: number, body: unknown } }} Session
 */
/** @type {ReturnType<typeof createRemoteJWKSet> | undefined} Latchkey's signing keys, fetched when first needed. */
let jwks;

/**
 * A small form body (the logout token), at most 16 KiB.
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<string>}
 */
function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (/** @type {string} */ chunk) => {
      body += chunk;
      if (body.length > 16_384) reject(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** @type {Map<string, Session>} In memory: a real app keeps sessions in its store. */
const sessions = new Map();

/** @param {import('node:http').IncomingMessage} req */
function sessionOf(req) {
  const id = /(?:^|;\s*)webapp_session=([\w-]{43})(?:;|$)/.exec(req.headers.cookie ?? '')?.[1];
  return id && sessions.has(id) ? { id, session: /** @type {Session} */ (sessions.get(id)) } : undefined;
}

/** @param {import('node:http').ServerResponse} res @param {Session} session */
function startSession(res, session) {
  const id = randomBytes(32).toString('base64url');
  sessions.set(id, session);
  const secure = APP_URL.startsWith('https://') ? '; Secure' : '';
  res.setHeader('set-cookie', `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax${secure}`);
  return id;
}

/** @param {unknown} value */
const escape = (value) =>
  String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** @param {string} title @param {string} body */
function page(title, body) {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <title>${escape(title)} · Example web app</title>
  <link rel="stylesheet" href="/style.css">
</head>
<body>
  <header><p class="brand">Example web app</p></header>
  <main>
${body}
  </main>
</body>
</html>`;
}

/** @param {import('node:http').ServerResponse} res @param {number} status @param {string} html */
function html(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'self'; form-action 'self' " + LATCHKEY_URL + "; base-uri 'none'; frame-ancestors 'none'",
    // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on this app's own form posts.
    'referrer-policy': 'same-origin',
  });
  res.end(html);
}

/** @param {import('node:http').ServerResponse} res @param {string} location */
function redirect(res, location) {
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
}

/** @param {Record<string, unknown>} claims */
function claimsTable(claims) {
  const rows = Object.entries(claims)
    .map(([name, value]) => `<tr><th scope="row">${escape(name)}</th><td>${escape(typeof value === 'object' ? JSON.stringify(value) : value)}</td></tr>`)
    .join('');
  return `<table><caption>ID token claims</caption><thead><tr><th scope="col">Claim</th><th scope="col">Value</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** @param {Session | undefined} session */
function home(session) {
  if (!session?.claims) {
    return page('Home', `    <h1>Welcome</h1>
    <p>This app lets you sign in with Latchkey.</p>
    <p><a class="button" href="/login">Sign in</a></p>`);
  }
  const who = session.claims.name ?? session.claims.email ?? session.claims.sub;
  const api = session.api
    ? `<section aria-labelledby="api-heading"><h2 id="api-heading">Example API answered ${session.api.status}</h2><pre id="api-result">${escape(JSON.stringify(session.api.body, null, 2))}</pre></section>`
    : '';
  return page('Signed in', `    <h1>Signed in as ${escape(who)}</h1>
    ${claimsTable(session.claims)}
    <form method="post" action="/call-api"><button type="submit">Call the API</button></form>
    ${api}
    <form method="post" action="/logout"><button type="submit" class="secondary">Sign out</button></form>`);
}

/** @param {string} error @param {string | undefined} description */
function signInFailed(error, description) {
  const what = error === 'access_denied' ? 'You did not allow this app to access your account.' : 'Signing in did not work.';
  return page('Sign-in failed', `    <h1>Not signed in</h1>
    <p role="alert">${escape(what)}</p>
    <p>Latchkey answered <code id="error-code">${escape(error)}</code>${description ? `: ${escape(description)}` : ''}.</p>
    <p><a class="button" href="/login">Try again</a> <a href="/">Home</a></p>`);
}

/** @type {Record<string, (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, url: URL) => Promise<void>>} */
const routes = {
  async 'GET /'(req, res) {
    html(res, 200, home(sessionOf(req)?.session));
  },

  async 'GET /login'(req, res) {
    const config = await latchkey();
    const pending = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
    const current = sessionOf(req);
    if (current) sessions.delete(current.id);
    startSession(res, { pending });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      ...(API_RESOURCE ? { resource: API_RESOURCE } : {}),
    });
    redirect(res, url.href);
  },

  async 'GET /callback'(req, res, url) {
    const current = sessionOf(req);
    const pending = current?.session.pending;
    if (!current || !pending) return html(res, 400, signInFailed('invalid_request', 'this sign-in was not started here, or it was already used'));
    const error = url.searchParams.get('error');
    if (error) {
      sessions.delete(current.id);
      return html(res, 400, signInFailed(error, url.searchParams.get('error_description') ?? undefined));
    }
    try {
      const config = await latchkey();
      const tokens = await oidc.authorizationCodeGrant(config, new URL(`${APP_URL}${url.pathname}${url.search}`), {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
      });
      // A fresh session id after sign-in (no fixation); the old one is forgotten.
      sessions.delete(current.id);
      startSession(res, { idToken: tokens.id_token, accessToken: tokens.access_token, claims: tokens.claims() });
      redirect(res, '/');
    } catch (error) {
      sessions.delete(current.id);
      const code = error instanceof oidc.AuthorizationResponseError || error instanceof oidc.ResponseBodyError ? error.error : 'sign_in_failed';
      html(res, 400, signInFailed(code, error instanceof Error ? error.message : undefined));
    }
  },

  async 'POST /call-api'(req, res) {
    const current = sessionOf(req);
    if (!current?.session.accessToken) return redirect(res, '/');
    const response = await fetch(`${API_URL}/api/hello`, { headers: { authorization: `Bearer ${current.session.accessToken}` } });
    current.session.api = { status: response.status, body: await response.json().catch(() => ({})) };
    redirect(res, '/');
  },

  async 'POST /logout'(req, res) {
    const current = sessionOf(req);
    if (current) sessions.delete(current.id);
    res.setHeader('set-cookie', `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
    const idToken = current?.session.idToken;
    if (!idToken) return redirect(res, '/');
    const config = await latchkey();
    redirect(res, oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: `${APP_URL}/` }).href);
  },

  // Latchkey posts a logout token when the person signs this session out from their account page
  // (or an administrator does). It is a JWT signed by Latchkey, for this client, naming the
  // Latchkey session (sid) the app's sessions were signed in through; the app ends those.
  async 'POST /backchannel-logout'(req, res) {
    try {
      const token = new URLSearchParams(await readBody(req)).get('logout_token') ?? '';
      const metadata = (await latchkey()).serverMetadata();
      jwks ??= createRemoteJWKSet(new URL(/** @type {string} */ (metadata.jwks_uri)));
      const { payload } = await jwtVerify(token, jwks, { issuer: metadata.issuer, audience: CLIENT_ID, typ: 'logout+jwt', maxTokenAge: '5 minutes' });
      const events = /** @type {Record<string, unknown> | undefined} */ (payload.events);
      if (!events?.['http://schemas.openid.net/event/backchannel-logout'] || 'nonce' in payload || (!payload.sid && !payload.sub)) throw new Error('not a logout token');
      let ended = 0;
      for (const [id, session] of sessions) {
        const claims = session.claims ?? {};
        if (payload.sid ? claims.sid === payload.sid : claims.sub === payload.sub) {
          sessions.delete(id);
          ended++;
        }
      }
      console.log(`example-webapp: back-channel logout, ${ended} session(s) ended`);
      res.writeHead(200, { 'cache-control': 'no-store' }).end();
    } catch (error) {
      console.error('example-webapp: refused a logout token:', error instanceof Error ? error.message : error);
      res.writeHead(400, { 'cache-control': 'no-store' }).end();
    }
  },

  async 'GET /style.css'(_req, res) {
    res.writeHead(200, { 'content-type': 'text/css; charset=utf-8' });
    res.end(STYLE);
  },
};

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', APP_URL);
  const route = routes[`${req.method} ${url.pathname}`];
  // SameSite=Lax already keeps the cookie off cross-site POSTs; the Origin check says so twice.
  if (req.method === 'POST' && req.headers.origin && req.headers.origin !== new URL(APP_URL).origin) {
    return html(res, 403, page('Forbidden', '    <h1>Forbidden</h1>\n    <p>That form was sent from another site.</p>'));
  }
  try {
    if (route) return await route(req, res, url);
    html(res, 404, page('Not found', '    <h1>Not found</h1>\n    <p><a href="/">Home</a></p>'));
  } catch (error) {
    console.error('example-webapp:', error);
    html(res, 502, page('Unavailable', '    <h1>Latchkey could not be reached</h1>\n    <p role="alert">Check that Latchkey is running, then <a href="/">try again</a>.</p>'));
  }
});

server.listen(PORT, HOST, () => console.log(`example web app listening on ${APP_URL} (Latchkey ${LATCHKEY_URL}, client ${CLIENT_ID})`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
