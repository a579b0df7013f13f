// @ts-check
// Serves the example single-page app: four static files, the app's settings, and oidc-client-ts's
// prebuilt browser bundle straight from node_modules. No bundler, no build step.
//
//   GET /, /callback           index.html (the app reads the sign-in response itself)
//   GET /app.js, /style.css    the app
//   GET /config.json           where Latchkey and the API are, the client id, and what to ask for
//   GET /vendor/oidc-client-ts.js
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const env = process.env;
const PORT = Number(env.PORT ?? 8080);
const HOST = env.HOST ?? 'localhost';
const LATCHKEY_URL = (env.LATCHKEY_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const CLIENT_ID = env.CLIENT_ID ?? 'example-spa';
const API_URL = (env.API_URL ?? 'http://localhost:8082').replace(/\/$/, '');
// The API's identifier in Latchkey (RFC 8707) and the scope its calls need: the access token the
// app asks for is for that API.
const API_RESOURCE = env.API_RESOURCE ?? API_URL;
const API_SCOPE = env.API_SCOPE ?? 'api:read';

const here = import.meta.dirname;
const require = createRequire(import.meta.url);
/** @type {string} */
let library;
try {
  // The package's main entry is dist/umd; the self-contained browser build sits beside it.
  library = join(dirname(require.resolve('oidc-client-ts')), '..', 'browser', 'oidc-client-ts.min.js');
} catch {
  console.error('example-spa: oidc-client-ts is not installed; run `npm ci` in examples/spa first');
  process.exit(2);
}

const files = new Map([
  ['/', { type: 'text/html; charset=utf-8', body: readFileSync(join(here, 'index.html')) }],
  ['/callback', { type: 'text/html; charset=utf-8', body: readFileSync(join(here, 'index.html')) }],
  ['/app.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(join(here, 'app.js')) }],
  ['/style.css', { type: 'text/css; charset=utf-8', body: readFileSync(join(here, 'style.css')) }],
  ['/vendor/oidc-client-ts.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(library) }],
  ['/config.json', { type: 'application/json', body: Buffer.from(JSON.stringify({ latchkeyUrl: LATCHKEY_URL, clientId: CLIENT_ID, apiUrl: API_URL, apiResource: API_RESOURCE, apiScope: API_SCOPE })) }],
]);

// The page may talk to Latchkey and the API and nothing else; no inline script anywhere.
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  `connect-src 'self' ${LATCHKEY_URL} ${API_URL}`,
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://spa').pathname;
  const file = req.method === 'GET' || req.method === 'HEAD' ? files.get(path) : undefined;
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    return res.end('Not found\n');
  }
  res.writeHead(200, {
    'content-type': file.type,
    'cache-control': 'no-cache',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    // The callback URL carries the authorization code: never send it on as a Referer.
    'referrer-policy': 'no-referrer',
  });
  res.end(req.method === 'HEAD' ? undefined : file.body);
});

server.listen(PORT, HOST, () => console.log(`example SPA listening on http://${HOST}:${PORT} (Latchkey ${LATCHKEY_URL}, client ${CLIENT_ID}, API ${API_URL})`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
