// Bad input, everywhere: malformed and hostile requests to every endpoint of a real Latchkey over
// HTTP. Whatever arrives, programs get a 4xx with an OAuth error object, people get a 4xx error
// page, nobody gets a 5xx, a stack trace or a hang, and the server keeps answering /healthz.
// Hand-picked hostile cases are tables; the main endpoints are also fuzzed with fast-check
// (fixed seed, modest runs). A few properties are repeated on the Redis store.
import { expect } from 'chai';
import fc from 'fast-check';
import { startLatchkey, TEST_ADMIN_TOKEN, type Running } from '../support/latchkey.ts';
import { addClient, addUser, PASSWORD, REDIRECT_URI } from '../support/oidc.ts';
import {
  authorizationJunk,
  BROWSER_ACCEPT,
  enc,
  encodedJunk,
  expectAnyError,
  expectApiError,
  expectErrorFor,
  expectHtml,
  expectHtmlPage,
  expectNoLeak,
  expectNot5xx,
  FORM,
  formAction,
  formOf,
  encodedKey,
  headerJunk,
  hiddenInputs,
  HOSTILE_ENCODED,
  RAW_KEYS,
  HOSTILE_VALUES,
  Jar,
  jsonJunk,
  junk,
  mutated,
  runs,
  send,
  sendRaw,
  type Reply,
  type SendOptions,
} from '../support/hostile.ts';

const POST_LOGOUT_URI = 'https://rp.example.test/logged-out';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const VERIFIER = 'a'.repeat(43);
const CHALLENGE = 'qSnwdYz0l2G6rIDHbkk0BI9vlEh3e3ZnIeE8mKjOm3k'; // any well-formed S256 value
const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

const AUTH_PARAM_NAMES = [
  'client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method',
  'response_mode', 'prompt', 'max_age', 'login_hint', 'id_token_hint', 'claims', 'request', 'request_uri', 'resource',
  'acr_values', 'ui_locales', 'display', 'dpop_jkt', 'authorization_details', 'claims_locales', 'registration',
];
const TOKEN_PARAM_NAMES = [
  'grant_type', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'device_code', 'scope', 'resource', 'client_id',
  'client_secret', 'client_assertion', 'client_assertion_type', 'audience', 'username', 'password',
];

/** Everything a test needs about one running server. */
interface World {
  lk: Running;
  /** Server faults seen while a test ran: Koa 'error' events and oidc-provider 'server_error's. */
  faults: string[];
  url: string;
  /** Endpoint paths, from discovery. */
  ep: { auth: string; token: string; userinfo: string; introspection: string; revocation: string; par: string; deviceAuth: string; endSession: string; jwks: string; discovery: string };
  confidential: { clientId: string; secret: string; basic: string };
  publicClientId: string;
  email: string;
}

async function setUp(store: 'memory' | 'redis', env: Record<string, string> = {}): Promise<World> {
  // Behind a trusted proxy, as deployed: each request below comes from an address of its own
  // (fromAnywhere), so the flood of hostile input tests input handling, not the brute-force
  // throttles it would otherwise trip (test/security/ tests those).
  const lk = await startLatchkey({ store, env: { TRUST_PROXY: 'true', ...env } });
  const faults: string[] = [];
  // Server faults are collected (and asserted on) rather than printed by Koa's default handler.
  lk.latchkey.app.silent = true;
  lk.latchkey.app.on('error', (err: Error & { code?: string }) => {
    // A request the HTTP parser refused mid-body (HPE_*): Node has already answered 400 and Koa
    // merely reports the broken socket. Not a fault of the application.
    if (!err.code?.startsWith('HPE_')) faults.push(`koa error: ${err.message}`);
  });
  lk.latchkey.onBuild((provider) => provider.on('server_error', (_ctx: unknown, err: Error) => faults.push(`oidc-provider server_error: ${err.message}`)));
  const { clientId, secret } = await addClient(lk, {
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials', DEVICE_GRANT],
    post_logout_redirect_uris: [POST_LOGOUT_URI],
  });
  const pub = await addClient(lk, { public: true });
  const user = await addUser(lk);
  const discovery = '/.well-known/openid-configuration';
  const doc = (await send(lk.url, discovery)).json as Record<string, string>;
  const path = (key: string) => {
    expect(doc[key], `discovery lists ${key}`).to.be.a('string');
    return new URL(doc[key]!).pathname;
  };
  return {
    lk,
    faults,
    url: lk.url,
    ep: {
      auth: path('authorization_endpoint'),
      token: path('token_endpoint'),
      userinfo: path('userinfo_endpoint'),
      introspection: path('introspection_endpoint'),
      revocation: path('revocation_endpoint'),
      par: path('pushed_authorization_request_endpoint'),
      deviceAuth: path('device_authorization_endpoint'),
      endSession: path('end_session_endpoint'),
      jwks: path('jwks_uri'),
      discovery,
    },
    confidential: { clientId, secret: secret!, basic: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret!)}`).toString('base64')}` },
    publicClientId: pub.clientId,
    email: user.email,
  };
}

// Request shorthands -----------------------------------------------------------------------------

let addresses = 0;
/** A fresh client address in a network of its own, as the trusted proxy appends it. */
const fromAnywhere = () => {
  addresses++;
  return { 'x-forwarded-for': `10.${(addresses >> 8) & 255}.${addresses & 255}.1` };
};
const api = (w: World, path: string, options: SendOptions = {}) =>
  send(w.url, path, { ...options, headers: { accept: 'application/json', ...fromAnywhere(), ...options.headers } });
const page = (w: World, path: string, options: SendOptions = {}) =>
  send(w.url, path, { ...options, headers: { accept: BROWSER_ACCEPT, ...fromAnywhere(), ...options.headers } });
const postForm = (w: World, path: string, body: string, headers: Record<string, string> = {}) =>
  api(w, path, { method: 'POST', body, headers: { 'content-type': FORM, ...headers } });
const authed = (w: World, path: string, body: string) => postForm(w, path, body, { authorization: w.confidential.basic });

async function expectAlive(w: World): Promise<void> {
  const health = await send(w.url, '/healthz');
  expect(health.status).to.equal(200);
  expect(health.json).to.deep.equal({ status: 'ok' });
}

/** Runs a test body, then checks the server still answers and logged no fault meanwhile. */
async function guarded(w: World, fn: () => Promise<void>): Promise<void> {
  w.faults.length = 0;
  await fn();
  await expectAlive(w);
  expect(w.faults, 'server faults during the test').to.deep.equal([]);
}

function expectUnpolluted(): void {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted, 'Object.prototype was polluted').to.equal(undefined);
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).to.equal(false);
}

async function property<T>(arb: fc.Arbitrary<T>, numRuns: number, check: (value: T) => Promise<void>): Promise<void> {
  await fc.assert(fc.asyncProperty(arb, check), runs(numRuns));
}

/** The authorization endpoint's acceptable answers to anything (RFC 6749 §4.1.2.1). */
function expectAuthorizationOutcome(w: World, r: Reply): void {
  expectNot5xx(r);
  if (r.status >= 300 && r.status < 400) {
    const location = String(r.headers.location);
    // Only two places to go: back to the registered redirect_uri with an error, or on to our
    // own interaction pages. Anything else is an open redirect.
    if (location.startsWith(REDIRECT_URI)) {
      expect(new URL(location.replace('#', '?')).searchParams.get('error'), location).to.be.a('string').and.not.equal('');
    } else {
      expect(new URL(location, w.url).href, location).to.match(new RegExp(`^${w.url}/interaction/[\\w-]+$`));
    }
    return;
  }
  if (r.status === 200) {
    // response_mode=form_post: an auto-submitted form to the registered redirect_uri.
    expectHtml(r);
    expect(formAction(r.text), r.text.slice(0, 500)).to.equal(REDIRECT_URI);
    expect(hiddenInputs(r.text).error, r.text.slice(0, 500)).to.be.a('string');
    return;
  }
  expectHtmlPage(r);
}

/** A browser session on the device page: its cookies and the xsrf value its form carries. */
async function devicePage(w: World): Promise<{ jar: Jar; xsrf: string }> {
  const jar = new Jar();
  const r = await page(w, '/device');
  jar.take(r);
  expect(r.status).to.equal(200);
  const xsrf = hiddenInputs(r.text).xsrf;
  expect(xsrf, 'the device page carries an xsrf field').to.be.a('string').and.not.equal('');
  return { jar, xsrf: xsrf! };
}

/** Starts an authorization request as a browser and stops at the login page. */
async function loginPage(w: World): Promise<{ jar: Jar; uid: string; csrf: string }> {
  const jar = new Jar();
  const query = formOf({
    client_id: w.confidential.clientId, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid email',
    code_challenge: CHALLENGE, code_challenge_method: 'S256', state: 'st', nonce: 'n',
  });
  const start = await page(w, `${w.ep.auth}?${query}`);
  jar.take(start);
  expect(start.status, start.text.slice(0, 300)).to.be.oneOf([302, 303]);
  const location = new URL(String(start.headers.location), w.url);
  const login = await page(w, location.pathname, { headers: { cookie: jar.header } });
  jar.take(login);
  expect(login.status, login.text.slice(0, 300)).to.equal(200);
  const csrf = hiddenInputs(login.text)._csrf;
  expect(csrf).to.be.a('string').and.not.equal('');
  return { jar, uid: location.pathname.split('/').pop()!, csrf: csrf! };
}

// ================================================================================================

// The whole suite runs twice: as configured by default, and with the refresh grace window on,
// which puts Latchkey's own body reading in front of the token endpoint.
for (const [variant, env] of [
  ['memory store', {}],
  ['memory store, refresh grace window on', { REFRESH_TOKEN_REUSE_GRACE_SECONDS: '30' }],
] as const) describe(`bad input (${variant})`, function () {
  this.timeout(60_000);
  let w: World;
  before(async () => {
    w = await setUp('memory', env);
  });
  after(() => w.lk.stop());

  /** Every test ends by checking the server still answers. */
  const it_ = (title: string, fn: () => Promise<void>) => it(title, () => guarded(w, fn));

  describe('discovery and jwks', () => {
    it_('discovery ignores junk in the query and never changes the issuer', async () => {
      await property(fc.array(fc.tuple(fc.string({ maxLength: 10 }), encodedJunk), { maxLength: 4 }), 30, async (pairs) => {
        const q = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&');
        const r = await api(w, `${w.ep.discovery}?${q}`);
        expect(r.status, r.label).to.equal(200);
        expect((r.json as { issuer: string }).issuer).to.equal(w.url);
      });
    });

    it_('discovery does not take the issuer from a hostile Host or X-Forwarded-* header', async () => {
      const hostile: Array<Record<string, string>> = [
        { host: 'evil.example' },
        { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'javascript' },
        { host: 'evil.example:1', 'x-forwarded-for': '"><script>' },
      ];
      for (const headers of hostile) {
        const r = await api(w, w.ep.discovery, { headers });
        // Either refused, or built from the configured issuer: never from what the request claims.
        expect(r.text, JSON.stringify(headers)).not.to.include('evil.example');
        if (r.status === 200) expect((r.json as { token_endpoint: string }).token_endpoint.startsWith(w.url)).to.equal(true);
        else expectApiError(r);
      }
    });

    it_('jwks ignores junk in the query and never shows private key members', async () => {
      await property(encodedJunk, 30, async (v) => {
        const r = await api(w, `${w.ep.jwks}?${v}=${v}`);
        expect(r.status, r.label).to.equal(200);
        for (const key of (r.json as { keys: Record<string, unknown>[] }).keys) {
          for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.to.have.property(secret);
        }
      });
    });
  });

  describe('authorization endpoint', () => {
    const base = (w: World) => ({
      client_id: w.confidential.clientId, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid',
      state: 'st', nonce: 'n', code_challenge: CHALLENGE, code_challenge_method: 'S256',
    });
    const q = (w: World, overrides: Record<string, string | undefined>) => {
      const params = { ...base(w), ...overrides };
      return formOf(Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<string, string>);
    };

    // [label, query builder, expected: 'page' (4xx HTML) | 'redirect-error' | 'any']
    const cases: Array<[string, (w: World) => string, 'page' | 'redirect-error' | 'any']> = [
      ['no parameters at all', () => '', 'page'],
      ['an unknown client', (w) => q(w, { client_id: 'no-such-client' }), 'page'],
      ['an empty client_id', (w) => q(w, { client_id: '' }), 'page'],
      ['a __proto__ client_id', (w) => q(w, { client_id: '__proto__' }), 'page'],
      ['a constructor client_id', (w) => q(w, { client_id: 'constructor' }), 'page'],
      ['a NUL in client_id', (w) => q(w, { client_id: `${w.confidential.clientId}\0` }), 'page'],
      ['an unregistered redirect_uri', (w) => q(w, { redirect_uri: 'https://evil.example/callback' }), 'page'],
      ['a javascript: redirect_uri', (w) => q(w, { redirect_uri: 'javascript:alert(1)' }), 'page'],
      ['a relative redirect_uri', (w) => q(w, { redirect_uri: '/callback' }), 'page'],
      ['a redirect_uri with extra query', (w) => q(w, { redirect_uri: `${REDIRECT_URI}?x=1` }), 'page'],
      ['a redirect_uri with CRLF', (w) => q(w, { redirect_uri: `${REDIRECT_URI}\r\nSet-Cookie: pwned=1` }), 'page'],
      ['response_type=token', (w) => q(w, { response_type: 'token' }), 'redirect-error'],
      ['response_type=id_token', (w) => q(w, { response_type: 'id_token' }), 'redirect-error'],
      ['response_type=code token', (w) => q(w, { response_type: 'code token' }), 'redirect-error'],
      ['response_type of garbage', (w) => q(w, { response_type: '\u202e<x>' }), 'redirect-error'],
      ['no response_type', (w) => q(w, { response_type: undefined }), 'redirect-error'],
      ['code_challenge_method=plain', (w) => q(w, { code_challenge_method: 'plain' }), 'redirect-error'],
      ['code_challenge_method of garbage', (w) => q(w, { code_challenge_method: 'S512' }), 'redirect-error'],
      ['an empty code_challenge_method', (w) => q(w, { code_challenge_method: '' }), 'any'],
      ['no code_challenge (PKCE is required)', (w) => q(w, { code_challenge: undefined }), 'redirect-error'],
      ['a too short code_challenge', (w) => q(w, { code_challenge: 'abc' }), 'redirect-error'],
      ['a 10k code_challenge', (w) => q(w, { code_challenge: 'a'.repeat(10_000) }), 'any'],
      ['a garbage request object', (w) => q(w, { request: 'not.a.jwt' }), 'any'],
      ['an alg:none request object', (w) => q(w, { request: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' }), 'any'],
      ['a garbage request_uri', (w) => q(w, { request_uri: 'urn:ietf:params:oauth:request_uri:garbage' }), 'any'],
      ['an https request_uri', (w) => q(w, { request_uri: 'https://evil.example/req' }), 'any'],
      ['invalid claims JSON', (w) => q(w, { claims: '{"userinfo":' }), 'redirect-error'],
      ['claims with __proto__', (w) => q(w, { claims: '{"__proto__":{"polluted":1},"userinfo":{"constructor":null}}' }), 'any'],
      ['a negative max_age', (w) => q(w, { max_age: '-1' }), 'redirect-error'],
      ['a non-numeric max_age', (w) => q(w, { max_age: 'NaN' }), 'redirect-error'],
      ['prompt=none without a session', (w) => q(w, { prompt: 'none' }), 'redirect-error'],
      ['prompt of garbage', (w) => q(w, { prompt: 'none login garbage' }), 'redirect-error'],
      ['an unknown resource', (w) => q(w, { resource: 'https://unknown.example/api' }), 'redirect-error'],
      ['a relative resource', (w) => q(w, { resource: 'not a uri' }), 'redirect-error'],
      ['an unknown scope only', (w) => q(w, { scope: 'admin root' }), 'any'],
      ['no openid scope', (w) => q(w, { scope: undefined }), 'any'],
      ['response_mode=form_post with an error', (w) => q(w, { response_mode: 'form_post', response_type: 'token' }), 'any'],
      ['response_mode of garbage', (w) => q(w, { response_mode: 'jwt\0' }), 'any'],
      ['a garbage id_token_hint', (w) => q(w, { id_token_hint: 'a.b.c' }), 'any'],
      ['a huge login_hint', (w) => q(w, { login_hint: 'é'.repeat(1500) }), 'any'],
      ['a state with CRLF', (w) => q(w, { state: '\r\nSet-Cookie: pwned=1', response_type: 'token' }), 'redirect-error'],
      ['duplicate client_id', (w) => `${q(w, {})}&client_id=${encodeURIComponent(w.confidential.clientId)}`, 'page'],
      ['duplicate scope', (w) => `${q(w, {})}&scope=openid`, 'any'],
      ['duplicate redirect_uri', (w) => `${q(w, {})}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, 'any'],
      ['array-valued scope[]', (w) => `${q(w, { scope: undefined })}&scope[]=openid&scope[]=email`, 'any'],
      ['array-valued client_id[]', (w) => `${q(w, { client_id: undefined })}&client_id[]=${encodeURIComponent(w.confidential.clientId)}`, 'page'],
      ['__proto__ and constructor params', (w) => `${q(w, {})}&__proto__[polluted]=1&constructor[prototype][polluted]=1&__proto__=x`, 'any'],
      ['invalid percent escapes', (w) => `${q(w, {})}&state=%E0%A4%A&nonce=%ff%fe`, 'any'],
      ['a bare %', (w) => `${q(w, {})}&%=%`, 'any'],
      ['only separators', () => '&&&==&=&', 'page'],
    ];
    for (const [label, build, expected] of cases) {
      it_(`answers ${label}`, async () => {
        const r = await page(w, `${w.ep.auth}?${build(w)}`);
        expectAuthorizationOutcome(w, r);
        if (expected === 'page') expectHtmlPage(r, [400]);
        if (expected === 'redirect-error') {
          expect(r.status, r.text.slice(0, 300)).to.be.oneOf([302, 303]);
          expect(String(r.headers.location).startsWith(REDIRECT_URI)).to.equal(true);
        }
        expectUnpolluted();
      });
    }

    it_('answers a request for JSON with an error (page or JSON), never a 5xx', async () => {
      const r = await api(w, `${w.ep.auth}?client_id=nope`);
      expect(r.status).to.equal(400);
      if (String(r.headers['content-type']).startsWith('text/html')) expectHtmlPage(r);
      else expectApiError(r);
    });

    it_('answers a query too long for the HTTP parser with 414/431, not a 5xx', async () => {
      const r = await page(w, `${w.ep.auth}?${q(w, { state: 'x'.repeat(40_000) })}`);
      expect(r.status).to.be.within(400, 499);
    });

    it_('property: mutated authorization requests are rejected or redirected safely', async () => {
      await property(mutated(base(w), AUTH_PARAM_NAMES), 60, async (query) => {
        expectAuthorizationOutcome(w, await page(w, `${w.ep.auth}?${query}`));
      });
      expectUnpolluted();
    });

    it_('property: random query strings give a 400 page', async () => {
      await property(fc.array(fc.tuple(fc.oneof(encodedJunk, fc.constantFrom(...RAW_KEYS)), encodedJunk), { maxLength: 6 }), 40, async (pairs) => {
        const r = await page(w, `${w.ep.auth}?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`);
        expectHtmlPage(r, [400]);
      });
    });

    it_('property: hostile cookies on the authorization endpoint are ignored', async () => {
      const cookieJunk = fc.array(fc.tuple(fc.constantFrom('_session', '_session.sig', '_interaction', '_interaction.sig', '_interaction_resume', 'lk.csrf', 'x'), headerJunk.map((v) => v.replace(/[;,\s]/g, ''))), { minLength: 1, maxLength: 4 });
      await property(cookieJunk, 30, async (cookies) => {
        const r = await page(w, `${w.ep.auth}?${q(w, {})}`, { headers: { cookie: cookies.map(([k, v]) => `${k}=${v}`).join('; ') } });
        expectAuthorizationOutcome(w, r);
      });
    });
  });

  describe('token endpoint', () => {
    const bases = (w: World): Record<string, Record<string, string>> => ({
      authorization_code: { grant_type: 'authorization_code', code: 'garbage-code', redirect_uri: REDIRECT_URI, code_verifier: VERIFIER },
      refresh_token: { grant_type: 'refresh_token', refresh_token: 'garbage-refresh-token' },
      client_credentials: { grant_type: 'client_credentials' },
      device_code: { grant_type: DEVICE_GRANT, device_code: 'garbage-device-code' },
      unknown: { grant_type: 'password', username: w.email, password: PASSWORD },
    });

    const cases: Array<[string, (w: World) => SendOptions, number[]?]> = [
      ['no body and no client authentication', () => ({ method: 'POST' })],
      ['an empty form and no client authentication', () => ({ method: 'POST', headers: { 'content-type': FORM }, body: '' })],
      ['an empty form', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: '' }), [400]],
      ['authorization_code without code', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: 'grant_type=authorization_code' }), [400]],
      ['refresh_token without refresh_token', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: 'grant_type=refresh_token' }), [400]],
      ['device_code without device_code', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: `grant_type=${encodeURIComponent(DEVICE_GRANT)}` }), [400]],
      ['a JSON body', (w) => ({ method: 'POST', headers: { 'content-type': 'application/json', authorization: w.confidential.basic }, body: '{"grant_type":"client_credentials"}' }), [400]],
      ['a JSON body with __proto__', (w) => ({ method: 'POST', headers: { 'content-type': 'application/json', authorization: w.confidential.basic }, body: '{"__proto__":{"polluted":1},"grant_type":"client_credentials"}' }), [400]],
      ['text/plain', (w) => ({ method: 'POST', headers: { 'content-type': 'text/plain', authorization: w.confidential.basic }, body: 'grant_type=client_credentials' }), [400]],
      ['multipart', (w) => ({ method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x', authorization: w.confidential.basic }, body: '--x\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n--x--' }), [400]],
      ['no content-type', (w) => ({ method: 'POST', headers: { authorization: w.confidential.basic }, body: 'grant_type=client_credentials' }), [400]],
      ['a garbage content-type', (w) => ({ method: 'POST', headers: { 'content-type': ';;;/=', authorization: w.confidential.basic }, body: 'grant_type=client_credentials' })],
      ['an unknown charset', (w) => ({ method: 'POST', headers: { 'content-type': `${FORM}; charset=klingon`, authorization: w.confidential.basic }, body: 'grant_type=client_credentials' }), [200, 400, 401, 415]],
      ['a gzip body that is not gzip', (w) => ({ method: 'POST', headers: { 'content-type': FORM, 'content-encoding': 'gzip', authorization: w.confidential.basic }, body: 'grant_type=client_credentials' }), [200, 400, 401, 415]],
      ['an unknown content-encoding', (w) => ({ method: 'POST', headers: { 'content-type': FORM, 'content-encoding': 'zstd, br, x', authorization: w.confidential.basic }, body: 'grant_type=client_credentials' }), [200, 400, 401, 415]],
      ['a 2 MB body', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: `grant_type=client_credentials&x=${'a'.repeat(2_000_000)}` })],
      ['10 000 parameters', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: `grant_type=client_credentials&${Array.from({ length: 10_000 }, (_, i) => `p${i}=${i}`).join('&')}` }), [200, 400, 413]],
      ['duplicate grant_type', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: 'grant_type=client_credentials&grant_type=client_credentials' }), [400]],
      ['array-valued grant_type[]', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: 'grant_type[]=client_credentials&scope[]=openid' }), [400]],
      ['__proto__ and constructor keys', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: '__proto__[polluted]=1&constructor[prototype][polluted]=1&grant_type=authorization_code&code=__proto__&code_verifier=x' }), [400]],
      ['code=__proto__', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: formOf({ grant_type: 'authorization_code', code: '__proto__', redirect_uri: REDIRECT_URI, code_verifier: VERIFIER }) }), [400]],
      ['refresh_token=constructor', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: formOf({ grant_type: 'refresh_token', refresh_token: 'constructor' }) }), [400]],
      ['a NUL in the code', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: formOf({ grant_type: 'authorization_code', code: 'a\0b', redirect_uri: REDIRECT_URI, code_verifier: VERIFIER }) }), [400]],
      ['a 100k refresh_token', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: formOf({ grant_type: 'refresh_token', refresh_token: 'r'.repeat(100_000) }) })],
      ['an unknown grant_type', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: 'grant_type=urn:x:unknown' }), [400]],
      ['the password grant', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: formOf(bases(w).unknown!) }), [400]],
      ['a garbage DPoP proof', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic, dpop: 'not.a.jwt' }, body: 'grant_type=client_credentials' }), [400]],
      ['Basic with non-base64', () => ({ method: 'POST', headers: { 'content-type': FORM, authorization: 'Basic %%%***' }, body: 'grant_type=client_credentials' })],
      ['Basic without a colon', () => ({ method: 'POST', headers: { 'content-type': FORM, authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` }, body: 'grant_type=client_credentials' })],
      ['Basic with an empty user', () => ({ method: 'POST', headers: { 'content-type': FORM, authorization: `Basic ${Buffer.from(':secret').toString('base64')}` }, body: 'grant_type=client_credentials' })],
      ['Basic with an empty password', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: `Basic ${Buffer.from(`${w.confidential.clientId}:`).toString('base64')}` }, body: 'grant_type=client_credentials' })],
      ['Basic with a wrong secret', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: `Basic ${Buffer.from(`${w.confidential.clientId}:wrong`).toString('base64')}` }, body: 'grant_type=client_credentials' }), [401]],
      ['Basic with broken %-escapes', () => ({ method: 'POST', headers: { 'content-type': FORM, authorization: `Basic ${Buffer.from('a%ZZ:%E0%A4%A').toString('base64')}` }, body: 'grant_type=client_credentials' })],
      ['a refresh with broken %-escapes in Basic', () => ({ method: 'POST', headers: { 'content-type': FORM, authorization: `Basic ${Buffer.from('a%ZZ:%E0%A4%A').toString('base64')}` }, body: 'grant_type=refresh_token&refresh_token=abc' })],
      ['Basic with a NUL', () => ({ method: 'POST', headers: { 'content-type': FORM, authorization: `Basic ${Buffer.from('a\0:b\0').toString('base64')}` }, body: 'grant_type=client_credentials' })],
      ['Basic with invalid UTF-8', () => ({ method: 'POST', headers: { 'content-type': FORM, authorization: `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0xc0, 0xaf]).toString('base64')}` }, body: 'grant_type=client_credentials' })],
      ['Basic for __proto__', () => ({ method: 'POST', headers: { 'content-type': FORM, authorization: `Basic ${Buffer.from('__proto__:x').toString('base64')}` }, body: 'grant_type=client_credentials' })],
      ['Basic plus client_secret_post', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: formOf({ grant_type: 'client_credentials', client_id: w.confidential.clientId, client_secret: w.confidential.secret }) }), [400]],
      ['Basic with a different client_id in the body', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: formOf({ grant_type: 'client_credentials', client_id: 'someone-else' }) }), [400]],
      ['two Authorization headers', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: [w.confidential.basic, 'Basic eDp5'] }, body: 'grant_type=client_credentials' }), [200, 400, 401, 415]],
      ['a garbage client_assertion', (w) => ({ method: 'POST', headers: { 'content-type': FORM }, body: formOf({ grant_type: 'client_credentials', client_id: w.confidential.clientId, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'a.b.c' }) })],
      ['client_credentials for a public client', (w) => ({ method: 'POST', headers: { 'content-type': FORM }, body: formOf({ grant_type: 'client_credentials', client_id: w.publicClientId }) })],
      ['client_id=__proto__ without a secret', () => ({ method: 'POST', headers: { 'content-type': FORM }, body: 'grant_type=client_credentials&client_id=__proto__' })],
    ];
    for (const [label, build, statuses] of cases) {
      it_(`answers ${label} with a 4xx OAuth error`, async () => {
        const r = await api(w, w.ep.token, build(w));
        if (statuses?.includes(200) && r.status === 200) expect((r.json as { access_token?: unknown }).access_token).to.be.a('string');
        else expectApiError(r, statuses?.filter((s) => s >= 400));
        expectUnpolluted();
      });
    }

    it_('property: mutated grant requests with good client authentication are rejected (client_credentials aside)', async () => {
      const b = bases(w);
      const arb = fc.constantFrom(...Object.keys(b)).chain((grant) => mutated(b[grant]!, TOKEN_PARAM_NAMES));
      await property(arb, 60, async (body) => {
        const r = await authed(w, w.ep.token, body);
        if (r.status === 200) {
          // The one grant that can succeed without a secret from a user: the client's own.
          expect(body, r.label).to.match(/(^|&)grant_type=client_credentials(&|$)/);
          expect((r.json as { access_token?: unknown }).access_token).to.be.a('string');
        } else {
          expectApiError(r);
        }
      });
      expectUnpolluted();
    });

    it_('property: garbage codes, refresh tokens and device codes are invalid_grant', async () => {
      const arb = fc.tuple(fc.constantFrom('authorization_code', 'refresh_token', 'device_code'), junk.filter((s) => s !== ''));
      await property(arb, 40, async ([grant, value]) => {
        const body =
          grant === 'authorization_code' ? formOf({ grant_type: grant, code: value, redirect_uri: REDIRECT_URI, code_verifier: VERIFIER })
            : grant === 'refresh_token' ? formOf({ grant_type: grant, refresh_token: value })
              : formOf({ grant_type: DEVICE_GRANT, device_code: value });
        const r = await authed(w, w.ep.token, body);
        expectApiError(r, [400]);
        expect((r.json as { error: string }).error, r.text).to.be.oneOf(['invalid_grant', 'invalid_request']);
      });
    });

    it_('property: hostile Authorization headers get a 4xx OAuth error', async () => {
      await property(authorizationJunk, 50, async (authorization) => {
        expectApiError(await postForm(w, w.ep.token, 'grant_type=client_credentials', { authorization }));
      });
    });

    it_('property: hostile content types and bodies get a 4xx OAuth error', async () => {
      const arb = fc.tuple(
        fc.oneof(headerJunk, fc.constantFrom('application/json', 'text/plain', 'application/xml', `${FORM}; charset=latin1`, `${FORM}; charset=utf-16`, 'multipart/form-data')),
        fc.oneof(junk, jsonJunk.map((j) => JSON.stringify(j) ?? '')),
      );
      await property(arb, 40, async ([type, body]) => {
        const headers: Record<string, string> = { authorization: w.confidential.basic };
        if (type !== '') headers['content-type'] = type;
        const r = await api(w, w.ep.token, { method: 'POST', headers, body });
        if (r.status === 200) expect(body).to.match(/(^|&)grant_type=client_credentials(&|$)/);
        else expectApiError(r);
      });
    });
  });

  describe('introspection and revocation', () => {
    for (const name of ['introspection', 'revocation'] as const) {
      const cases: Array<[string, (w: World) => [string, Record<string, string>], number[]?]> = [
        ['no client authentication', () => ['token=abc', {}]],
        ['bad Basic credentials', (w) => ['token=abc', { authorization: `Basic ${Buffer.from(`${w.confidential.clientId}:nope`).toString('base64')}` }], [401]],
        ['non-base64 Basic', () => ['token=abc', { authorization: 'Basic ***' }]],
        // Public clients may revoke (RFC 7009) and introspect their own tokens: a quiet answer, or a 4xx.
        ['a public client', (w) => [`token=abc&client_id=${w.publicClientId}`, {}], [200, 400, 401]],
        ['no token', (w) => ['', { authorization: w.confidential.basic }], [400]],
        ['duplicate token', (w) => ['token=a&token=b', { authorization: w.confidential.basic }], [400]],
        ['array-valued token[]', (w) => ['token[]=a&token[]=b', { authorization: w.confidential.basic }], [400]],
        ['a JSON body', (w) => ['{"token":"a"}', { authorization: w.confidential.basic, 'content-type': 'application/json' }], [400]],
        ['a huge body', (w) => [`token=${'t'.repeat(3_000_000)}`, { authorization: w.confidential.basic }]],
      ];
      for (const [label, build, statuses] of cases) {
        it_(`${name} answers ${label} with a 4xx OAuth error`, async () => {
          const [body, headers] = build(w);
          const r = await postForm(w, w.ep[name], body, headers);
          if (statuses?.includes(200) && r.status === 200) expect(name === 'introspection' ? r.json : r.text).to.deep.equal(name === 'introspection' ? { active: false } : '');
          else expectApiError(r, statuses?.filter((s) => s >= 400));
        });
      }
    }

    it_('property: introspecting junk says inactive, and nothing more', async () => {
      await property(mutated({ token: 'garbage', token_type_hint: 'access_token' }, ['token', 'token_type_hint', 'client_id']), 50, async (body) => {
        const r = await authed(w, w.ep.introspection, body);
        if (r.status === 200) expect(r.json, r.label).to.deep.equal({ active: false });
        else expectApiError(r);
      });
    });

    it_('property: revoking junk is a quiet 200 or a 4xx OAuth error', async () => {
      await property(mutated({ token: 'garbage', token_type_hint: 'refresh_token' }, ['token', 'token_type_hint', 'client_id']), 50, async (body) => {
        const r = await authed(w, w.ep.revocation, body);
        if (r.status === 200) expect(r.text).to.equal('');
        else expectApiError(r);
      });
    });

    it_('property: hostile Authorization headers on introspection and revocation get a 4xx', async () => {
      await property(fc.tuple(fc.constantFrom(w.ep.introspection, w.ep.revocation), authorizationJunk), 40, async ([path, authorization]) => {
        expectApiError(await postForm(w, path, 'token=x', { authorization }));
      });
    });
  });

  describe('userinfo', () => {
    const cases: Array<[string, Record<string, string | string[]>, string?]> = [
      ['no Authorization header', {}],
      ['an empty Authorization header', { authorization: '' }],
      ['"Bearer"', { authorization: 'Bearer' }],
      ['"Bearer "', { authorization: 'Bearer ' }],
      ['"Bearer " + 10k characters', { authorization: `Bearer ${'a'.repeat(10_000)}` }],
      ['non-ASCII (Latin-1) token', { authorization: 'Bearer ÿéàü' }],
      ['a Basic header', { authorization: 'Basic eDp5' }],
      ['a DPoP scheme without a proof', { authorization: 'DPoP abc' }],
      ['a garbage DPoP proof', { authorization: 'DPoP abc', dpop: 'a.b.c' }],
      ['two Authorization headers', { authorization: ['Bearer a', 'Bearer b'] }],
      ['a JWT-looking alg:none token', { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' }],
      ['a token in the query', {}, '?access_token=garbage'],
      ['a token in the query and a header', { authorization: 'Bearer x' }, '?access_token=garbage'],
    ];
    for (const method of ['GET', 'POST']) {
      for (const [label, headers, query] of cases) {
        it_(`${method} answers ${label} with a 4xx OAuth error`, async () => {
          const r = await api(w, `${w.ep.userinfo}${query ?? ''}`, { method, headers, ...(method === 'POST' ? { body: '' } : {}) });
          expectApiError(r);
        });
      }
    }

    it_('POST answers a token in a JSON or garbage body with a 4xx OAuth error', async () => {
      for (const [type, body] of [['application/json', '{"access_token":"x"}'], [FORM, 'access_token=x&access_token=y'], [FORM, 'access_token[]=x'], ['text/plain', '\0\0']]) {
        expectApiError(await api(w, w.ep.userinfo, { method: 'POST', headers: { 'content-type': type! }, body }));
      }
    });

    it_('answers a client_credentials access token (no user behind it) with a 4xx', async () => {
      const token = (await authed(w, w.ep.token, 'grant_type=client_credentials')).json as { access_token: string };
      expectApiError(await api(w, w.ep.userinfo, { headers: { authorization: `Bearer ${token.access_token}` } }));
    });

    it_('answers UTF-8 and raw control bytes in the Authorization header without a 5xx', async () => {
      for (const value of [Buffer.from('Bearer ✓😀', 'utf8'), Buffer.from([0x42, 0x65, 0x61, 0x72, 0x65, 0x72, 0x20, 0x01, 0x7f, 0xff])]) {
        const head = Buffer.from(`GET ${w.ep.userinfo} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: `);
        const r = await sendRaw(w.url, Buffer.concat([head, value, Buffer.from('\r\n\r\n')]));
        expect(r.status, r.head).to.be.within(400, 499);
      }
    });

    it_('property: hostile Authorization headers get a 4xx OAuth error', async () => {
      await property(fc.tuple(fc.constantFrom('GET', 'POST'), authorizationJunk), 50, async ([method, authorization]) => {
        expectApiError(await api(w, w.ep.userinfo, { method, headers: { authorization }, ...(method === 'POST' ? { body: '' } : {}) }));
      });
    });
  });

  describe('pushed authorization requests', () => {
    const base = (w: World) => ({ response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: CHALLENGE, code_challenge_method: 'S256', state: 's' });
    const cases: Array<[string, (w: World) => SendOptions, number[]?]> = [
      ['no client authentication', () => ({ method: 'POST', headers: { 'content-type': FORM }, body: 'response_type=code' })],
      ['bad Basic', () => ({ method: 'POST', headers: { 'content-type': FORM, authorization: 'Basic !!' }, body: 'response_type=code' })],
      ['a JSON body', (w) => ({ method: 'POST', headers: { 'content-type': 'application/json', authorization: w.confidential.basic }, body: JSON.stringify(base(w)) }), [400]],
      ['a request_uri inside the PAR', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: formOf({ ...base(w), request_uri: 'urn:x' }) }), [400]],
      ['an unregistered redirect_uri', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: formOf({ ...base(w), redirect_uri: 'https://evil.example/' }) }), [400]],
      ['a garbage request object', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: formOf({ ...base(w), request: 'a.b.c' }) })],
      ['duplicate params', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: `${formOf(base(w))}&scope=openid` }), [400]],
      ['a 2 MB body', (w) => ({ method: 'POST', headers: { 'content-type': FORM, authorization: w.confidential.basic }, body: `${formOf(base(w))}&x=${'y'.repeat(2_000_000)}` })],
      ['GET', () => ({ method: 'GET' })],
    ];
    for (const [label, build, statuses] of cases) {
      it_(`answers ${label} with a 4xx OAuth error`, async () => {
        expectApiError(await api(w, w.ep.par, build(w)), statuses);
      });
    }

    it_('property: mutated pushed requests are accepted as a request_uri or rejected with a 4xx', async () => {
      await property(mutated(base(w), AUTH_PARAM_NAMES), 50, async (body) => {
        const r = await authed(w, w.ep.par, body);
        if (r.status === 201) expect((r.json as { request_uri?: unknown }).request_uri).to.be.a('string').and.match(/^urn:ietf:params:oauth:request_uri:/);
        else expectApiError(r);
      });
    });
  });

  describe('device authorization and the device page', () => {
    it_('device authorization answers no, bad or public client authentication with a 4xx', async () => {
      expectApiError(await postForm(w, w.ep.deviceAuth, 'scope=openid'));
      expectApiError(await postForm(w, w.ep.deviceAuth, 'scope=openid', { authorization: 'Basic ==' }));
      expectApiError(await postForm(w, w.ep.deviceAuth, `scope=openid&client_id=${w.publicClientId}`));
      expectApiError(await api(w, w.ep.deviceAuth, { method: 'POST', headers: { 'content-type': 'application/json', authorization: w.confidential.basic }, body: '{"scope":"openid"}' }), [400]);
      expectApiError(await authed(w, w.ep.deviceAuth, 'scope=openid&scope=email'), [400]);
    });

    it_('property: mutated device authorization requests are granted codes or rejected with a 4xx', async () => {
      await property(mutated({ scope: 'openid' }, ['scope', 'client_id', 'resource', 'claims', 'acr_values', 'max_age']), 40, async (body) => {
        const r = await authed(w, w.ep.deviceAuth, body);
        if (r.status === 200) expect((r.json as { device_code?: unknown }).device_code).to.be.a('string');
        else expectApiError(r);
      });
    });

    it_('property: GET /device with junk shows a page or posts back to /device', async () => {
      await property(fc.tuple(encodedKey, encodedJunk), 30, async ([k, v]) => {
        const r = await page(w, `/device?${k}=${v}`);
        expect(r.status, r.label).to.be.oneOf([200, 400]);
        expectHtml(r);
        const action = formAction(r.text);
        if (action) expect(new URL(action, w.url).href).to.equal(`${w.url}/device`);
      });
    });

    const noCookieCases: Array<[string, string]> = [
      ['an empty form', ''],
      ['garbage user_code and xsrf', 'user_code=XXXX-XXXX&xsrf=abc'],
      ['an array-valued user_code[]', 'user_code[]=a&user_code[]=b&xsrf=x'],
      ['a __proto__ user_code', 'user_code=__proto__&xsrf=__proto__'],
      ['confirm and abort together', 'user_code=x&confirm=yes&abort=yes&xsrf=x'],
    ];
    for (const [label, body] of noCookieCases) {
      it_(`POST /device without a browser session and ${label} gives a 4xx page`, async () => {
        expectHtmlPage(await page(w, '/device', { method: 'POST', headers: { 'content-type': FORM }, body }));
      });
      it_(`POST /device without a browser session and ${label} gives a 4xx JSON error to programs`, async () => {
        expectApiError(await postForm(w, '/device', body));
      });
    }

    it_('GET /device/<garbage> (device resume) without a session gives a 4xx page', async () => {
      expectHtmlPage(await page(w, '/device/garbage-uid'));
    });

    it_('POST /device with a browser session but a wrong xsrf gives a 400 page', async () => {
      const { jar } = await devicePage(w);
      for (const xsrf of ['', 'x', 'a'.repeat(48), '__proto__']) {
        const r = await page(w, '/device', { method: 'POST', headers: { 'content-type': FORM, cookie: jar.header }, body: formOf({ user_code: 'BCDF-GHJK', xsrf }) });
        expectHtmlPage(r, [400]);
      }
    });

    it_('POST /device with a browser session answers oversized and odd bodies with a 4xx page', async () => {
      const { jar, xsrf } = await devicePage(w);
      const cases: Array<[string, string]> = [
        [FORM, formOf({ xsrf, user_code: 'B'.repeat(2_000_000) })],
        ['application/json', JSON.stringify({ xsrf, user_code: 'BCDF-GHJK' })],
        [`${FORM}; charset=klingon`, formOf({ xsrf, user_code: 'x' })],
        [FORM, `xsrf=${xsrf}&xsrf=${xsrf}&user_code=x`],
      ];
      for (const [type, body] of cases) {
        expectHtmlPage(await page(w, '/device', { method: 'POST', headers: { 'content-type': type, cookie: jar.header }, body }));
      }
    });

    it_('property: junk user codes with a valid xsrf give a 400 page that says the code is not valid', async () => {
      const { jar, xsrf } = await devicePage(w);
      await property(junk.filter((s) => s.trim() !== ''), 40, async (userCode) => {
        const r = await page(w, '/device', { method: 'POST', headers: { 'content-type': FORM, cookie: jar.header }, body: formOf({ xsrf, user_code: userCode }) });
        expectHtmlPage(r, [400]);
      });
    });
  });

  describe('end session', () => {
    const cases: Array<[string, (w: World) => string, 'page' | 'confirm' | 'any']> = [
      ['a non-JWT id_token_hint', () => 'id_token_hint=garbage', 'page'],
      ['an a.b.c id_token_hint', () => 'id_token_hint=a.b.c', 'page'],
      ['an alg:none id_token_hint', () => 'id_token_hint=eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.', 'page'],
      ['an HS256 id_token_hint', () => 'id_token_hint=eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ4In0.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo', 'page'],
      ['an id_token_hint for __proto__', () => `id_token_hint=${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from('{"aud":"__proto__"}').toString('base64url')}.x`, 'page'],
      ['a 10k id_token_hint', () => `id_token_hint=${'a'.repeat(10_000)}`, 'page'],
      ['an unregistered post_logout_redirect_uri', (w) => formOf({ client_id: w.confidential.clientId, post_logout_redirect_uri: 'https://evil.example/' }), 'page'],
      ['a javascript: post_logout_redirect_uri', (w) => formOf({ client_id: w.confidential.clientId, post_logout_redirect_uri: 'javascript:alert(1)' }), 'page'],
      ['an unknown client_id', () => 'client_id=nope', 'page'],
      ['a __proto__ client_id', () => 'client_id=__proto__', 'page'],
      ['a post_logout_redirect_uri without a client', () => formOf({ post_logout_redirect_uri: 'https://evil.example/' }), 'confirm'],
      ['duplicate client_id', (w) => `client_id=${w.confidential.clientId}&client_id=${w.confidential.clientId}`, 'page'],
      ['array-valued state[]', () => 'state[]=a&state[]=b', 'any'],
      ['invalid escapes', () => 'state=%E0%A4%A&ui_locales=%ff', 'any'],
    ];
    for (const [label, build, expected] of cases) {
      it_(`answers ${label} safely`, async () => {
        const r = await page(w, `${w.ep.endSession}?${build(w)}`);
        if (expected === 'page') return expectHtmlPage(r, [400]);
        expectNot5xx(r);
        if (r.status === 200) {
          expectHtml(r);
          // Never a redirect to the hostile URI: only on to our own confirmation step.
          expect(formAction(r.text)).to.equal(`${w.url}${w.ep.endSession}/confirm`);
          expect(r.text).not.to.include('evil.example');
        } else {
          expectHtmlPage(r);
        }
      });
    }

    it_('answers a garbage id_token_hint to a program with a 4xx OAuth error', async () => {
      expectApiError(await api(w, `${w.ep.endSession}?id_token_hint=garbage`), [400]);
    });

    it_('property: mutated logout requests give a 4xx page or our own confirmation form', async () => {
      const base = { client_id: w.confidential.clientId, post_logout_redirect_uri: POST_LOGOUT_URI, state: 's' };
      await property(mutated(base, ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state', 'ui_locales', 'logout_hint']), 50, async (query) => {
        const r = await page(w, `${w.ep.endSession}?${query}`);
        if (r.status === 200) {
          expectHtml(r);
          expect(formAction(r.text)).to.equal(`${w.url}${w.ep.endSession}/confirm`);
        } else {
          expectHtmlPage(r);
        }
      });
    });

    it_('property: the logout confirmation answers junk with a 4xx page', async () => {
      await property(fc.tuple(mutated({ xsrf: 'x', logout: 'yes' }, ['xsrf', 'logout']), fc.boolean()), 30, async ([body, withSession]) => {
        const headers: Record<string, string> = { 'content-type': FORM };
        if (withSession) headers.cookie = '_session=garbage; _session.sig=garbage';
        expectHtmlPage(await page(w, `${w.ep.endSession}/confirm`, { method: 'POST', headers, body }));
      });
    });

    it_('the signed-out page ignores junk in the query', async () => {
      const r = await page(w, `${w.ep.endSession}/success?client_id=__proto__&state=%ff`);
      expect(r.status).to.be.oneOf([200, 400]);
      expectHtml(r);
    });
  });

  describe("Latchkey's interaction pages", () => {
    const routes: Array<[string, string]> = [
      ['GET', ''],
      ['GET', '/abort'],
      ['POST', '/login'],
      ['POST', '/consent'],
    ];
    const uids = ['garbage', '__proto__', 'constructor', 'x'.repeat(2000), '%E0%A4%A', '%ff', '..%2F..%2Fadmin', '%00', 'a%0d%0aSet-Cookie:%20pwned=1'];

    for (const [method, suffix] of routes) {
      it_(`${method} /interaction/<garbage>${suffix} without cookies gives a 4xx page`, async () => {
        for (const uid of uids) {
          const r = await page(w, `/interaction/${uid}${suffix}`, method === 'POST' ? { method, headers: { 'content-type': FORM }, body: 'email=a&password=b&decision=allow' } : {});
          expectHtmlPage(r);
          if (method === 'POST') expect(r.status, r.label).to.equal(403);
          expect(String(r.headers['set-cookie'] ?? '')).not.to.include('pwned');
        }
      });
      it_(`${method} /interaction/<garbage>${suffix} gives a 4xx JSON error to programs`, async () => {
        expectApiError(await api(w, `/interaction/garbage${suffix}`, method === 'POST' ? { method, headers: { 'content-type': FORM }, body: '_csrf=x' } : {}));
      });
    }

    it_('property: any uid, cookies and body give a 4xx page', async () => {
      const cookie = fc.array(fc.tuple(fc.constantFrom('_interaction', '_interaction.sig', '_session', 'lk.csrf', '__proto__'), headerJunk.map((v) => v.replace(/[;,\s]/g, ''))), { maxLength: 3 });
      const arb = fc.record({ route: fc.constantFrom(...routes), uid: encodedJunk.filter((u) => u !== '' && !u.includes('%2F')), cookie, body: fc.oneof(mutated({ _csrf: 'x', email: 'a@b', password: 'p', decision: 'allow' }, ['_csrf', 'email', 'password', 'decision']), junk) });
      await property(arb, 50, async ({ route: [method, suffix], uid, cookie, body }) => {
        const headers: Record<string, string> = { cookie: cookie.map(([k, v]) => `${k}=${v}`).join('; ') };
        if (method === 'POST') headers['content-type'] = FORM;
        const r = await page(w, `/interaction/${uid}${suffix}`, { method, headers, ...(method === 'POST' ? { body } : {}) });
        expectHtmlPage(r);
      });
      expectUnpolluted();
    });

    describe('in a real sign-in', () => {
      let s: { jar: Jar; uid: string; csrf: string };
      before(async () => {
        s = await loginPage(w);
      });
      const login = (body: string, extra: Record<string, string> = {}, uid = s.uid) =>
        page(w, `/interaction/${uid}/login`, { method: 'POST', headers: { 'content-type': FORM, cookie: s.jar.header, ...extra }, body });

      it_('a login POST without _csrf, or with a garbage one, is a 403 page', async () => {
        for (const body of ['email=a%40b&password=x', '_csrf=&email=a', '_csrf=garbage', `_csrf=${s.csrf}x`, `_csrf[]=${s.csrf}`, `__proto__[_csrf]=${s.csrf}`, `_csrf=${encodeURIComponent(s.csrf.toUpperCase())}`, `_csrf=${s.csrf}&_csrf=${s.csrf}`]) {
          expectHtmlPage(await login(body), [403]);
        }
        expectUnpolluted();
      });

      it_('a login POST with a valid _csrf but no csrf cookie is a 403 page', async () => {
        const cookie = s.jar.header.split('; ').filter((c) => !c.startsWith('lk.csrf=')).join('; ');
        expectHtmlPage(await page(w, `/interaction/${s.uid}/login`, { method: 'POST', headers: { 'content-type': FORM, cookie }, body: `_csrf=${s.csrf}` }), [403]);
      });

      it_('an oversized login form is a 413 (or 400) page', async () => {
        expectHtmlPage(await login(`_csrf=${s.csrf}&email=a&password=${'p'.repeat(40_000)}`), [400, 413]);
        expectHtmlPage(await login(`_csrf=${s.csrf}&${Array.from({ length: 3000 }, (_, i) => `k${i}=v`).join('&')}`), [400, 403, 413]);
      });

      it_('non-form content types are refused with a 4xx page', async () => {
        for (const [type, body] of [
          ['application/json', JSON.stringify({ _csrf: s.csrf, email: 'a', password: 'b' })],
          ['text/plain', `_csrf=${s.csrf}`],
          ['multipart/form-data; boundary=z', `--z\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${s.csrf}\r\n--z--`],
          ['application/xml', '<x/>'],
          [`${FORM}; charset=klingon`, `_csrf=${s.csrf}`],
          ['', `_csrf=${s.csrf}`],
        ]) {
          const headers: Record<string, string> = { cookie: s.jar.header };
          if (type) headers['content-type'] = type;
          expectHtmlPage(await page(w, `/interaction/${s.uid}/login`, { method: 'POST', headers, body }));
        }
      });

      it_('a gzip-labelled form that is not gzip is a 4xx page', async () => {
        expectHtmlPage(await login(`_csrf=${s.csrf}&email=a&password=b`, { 'content-encoding': 'gzip' }));
      });

      it_('consent while the login prompt is pending is a 400 page', async () => {
        const r = await page(w, `/interaction/${s.uid}/consent`, { method: 'POST', headers: { 'content-type': FORM, cookie: s.jar.header }, body: `_csrf=${s.csrf}&decision=allow` });
        expectHtmlPage(r, [400]);
      });

      it_('a valid _csrf on another uid is a 400 page', async () => {
        expectHtmlPage(await login(`_csrf=${s.csrf}&email=a&password=b`, {}, 'not-this-one'), [400]);
      });

      it_('property: junk credentials with a valid _csrf give the login page again (401)', async () => {
        const arb = fc.record({ email: junk, password: junk, extra: fc.array(fc.tuple(encodedKey, encodedJunk), { maxLength: 2 }) });
        await property(arb, 40, async ({ email, password, extra }) => {
          const body = `${formOf({ _csrf: s.csrf, email, password })}${extra.map(([k, v]) => `&${k}=${v}`).join('')}`;
          const r = await login(body);
          expectHtmlPage(r, [400, 401, 403, 413]);
          if (r.status === 401) expect(r.text).to.include('Incorrect email or password');
        });
        expectUnpolluted();
      });

      it_('after all that, the person can still sign in', async () => {
        const r = await login(formOf({ _csrf: s.csrf, email: w.email, password: PASSWORD }));
        expect(r.status, r.text.slice(0, 300)).to.be.oneOf([302, 303]);
        expect(String(r.headers.location)).to.include(w.ep.auth);
      });
    });
  });

  describe('admin API', () => {
    const routes: Array<[string, string]> = [
      ['GET', '/admin/users'], ['POST', '/admin/users'], ['POST', '/admin/users/disable'], ['POST', '/admin/users/enable'],
      ['POST', '/admin/users/password'], ['GET', '/admin/clients'], ['POST', '/admin/clients'], ['DELETE', '/admin/clients/x'],
      ['GET', '/admin/apis'], ['POST', '/admin/apis'], ['DELETE', '/admin/apis/x'],
      ['GET', '/admin/keys'], ['GET', '/admin'], ['GET', '/admin/nope'],
    ];
    const postRoutes = routes.filter(([m]) => m === 'POST').map(([, p]) => p);
    const badTokens: Array<[string, Record<string, string | string[]>]> = [
      ['no token', {}],
      ['an empty Authorization', { authorization: '' }],
      ['"Bearer"', { authorization: 'Bearer' }],
      ['a wrong token', { authorization: 'Bearer wrong' }],
      ['the token with trailing junk', { authorization: `Bearer ${TEST_ADMIN_TOKEN} x` }],
      ['the token as Basic', { authorization: `Basic ${Buffer.from(`admin:${TEST_ADMIN_TOKEN}`).toString('base64')}` }],
      ['a truncated token', { authorization: `Bearer ${TEST_ADMIN_TOKEN.slice(0, -1)}` }],
      ['a 10k token', { authorization: `Bearer ${'t'.repeat(10_000)}` }],
      ['a Latin-1 token', { authorization: `Bearer ${TEST_ADMIN_TOKEN}é` }],
      ['two Authorization headers', { authorization: ['Bearer wrong', `Bearer ${TEST_ADMIN_TOKEN}`] }],
      ['the token in the query only', {}],
    ];
    for (const [label, headers] of badTokens) {
      it_(`answers ${label} with 401 JSON on every admin route`, async () => {
        for (const [method, path] of routes) {
          const query = label.includes('query') ? `?token=${TEST_ADMIN_TOKEN}&access_token=${TEST_ADMIN_TOKEN}` : '';
          const r = await api(w, `${path}${query}`, { method, headers: { ...headers, 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{"email":"a@b.c","password":"xxxxxxxxxxxx"}' } : {}) });
          expectApiError(r, [401]);
          expect(String(r.headers['www-authenticate'])).to.match(/^Bearer /);
        }
      });
    }

    const bodies: Array<[string, string, string?]> = [
      ['invalid JSON', '{bad'],
      ['truncated JSON quoting a password', '{"email":"a@b.c","password":"hunter2-secret'],
      ['an empty body', ''],
      ['null', 'null'],
      ['an array', '[1,2]'],
      ['a string', '"x"'],
      ['a number', '42'],
      ['true', 'true'],
      ['a __proto__ key', '{"__proto__":{"polluted":true},"email":"a@b.c","password":"long enough pw"}'],
      ['a constructor.prototype key', '{"constructor":{"prototype":{"polluted":true}},"client_id":"c1"}'],
      ['wrong types', '{"email":42,"password":{"$gt":""},"client_id":["x"],"redirect_uris":"x"}'],
      ['deep nesting', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
      ['a NUL-laden object', '{"email":"a\\u0000@b.c","password":"\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000","client_id":"\\u0000"}'],
      ['lone surrogates', '{"email":"\\ud800@b.c","password":"\\udc00\\udc00\\udc00\\udc00\\udc00\\udc00\\udc00","client_id":"\\ud800"}'],
      ['duplicate keys', '{"email":"a@b.c","email":"c@d.e","password":"x","password":{}}'],
      ['a form body', 'email=a%40b.c&password=xxxxxxxxxx', FORM],
      ['text/plain JSON', '{"email":"a@b.c"}', 'text/plain'],
      ['no content-type', '{"email":"a@b.c"}', ''],
      ['a bogus charset', '{}', 'application/json; charset=klingon'],
      ['a 300 KB body', JSON.stringify({ email: 'big@b.c', password: 'p'.repeat(300_000) })],
    ];
    for (const [label, body, type] of bodies) {
      it_(`answers ${label} on every POST route with a 4xx JSON error, with the right token`, async () => {
        for (const path of postRoutes) {
          const headers: Record<string, string> = { ...ADMIN };
          if (type !== '') headers['content-type'] = type ?? 'application/json';
          const r = await api(w, path, { method: 'POST', headers, body });
          expectApiError(r, label.includes('300 KB') ? [413] : label.includes('charset') ? [400, 415] : [400, 415]);
          expect(r.text).not.to.include('hunter2-secret');
        }
        expectUnpolluted();
      });
    }

    it_('answers a gzip-labelled body that is not gzip with a 4xx JSON error', async () => {
      expectApiError(await api(w, '/admin/users', { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: '{}' }));
    });

    it_('property: any JSON of the wrong shape is a 4xx JSON error', async () => {
      await property(fc.tuple(fc.constantFrom(...postRoutes), jsonJunk), 50, async ([path, value]) => {
        const r = await api(w, path, { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify(value) ?? '' });
        expectApiError(r);
      });
      expectUnpolluted();
    });

    it_('property: removing a client that does not exist is 404, whatever its id', async () => {
      await property(encodedJunk.filter((id) => id !== '' && !id.includes('%2F')), 40, async (id) => {
        const r = await api(w, `/admin/clients/${id}`, { method: 'DELETE', headers: ADMIN });
        expectApiError(r, [400, 404]);
      });
    });

    it_('property: removing an API that does not exist is 404, whatever its identifier', async () => {
      await property(encodedJunk.filter((id) => id !== '' && !id.includes('%2F')), 40, async (id) => {
        expectApiError(await api(w, `/admin/apis/${id}`, { method: 'DELETE', headers: ADMIN }), [400, 404]);
      });
    });

    it_('property: unknown admin paths are 404 JSON (with the token) or 401 (without)', async () => {
      await property(fc.tuple(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'), encodedJunk, fc.boolean()), 40, async ([method, junkPath, withToken]) => {
        const r = await api(w, `/admin/zz${junkPath}`, { method, headers: withToken ? ADMIN : {} });
        expectApiError(r, withToken ? [404, 405] : [401]);
      });
    });
  });

  describe('unknown paths, odd methods and hostile paths', () => {
    // Where each route's answers go: 'api' always JSON, 'page' HTML to browsers and JSON to programs.
    const ROUTES: Array<[string, 'api' | 'page', string[]]> = [
      ['/.well-known/openid-configuration', 'api', ['GET']],
      ['/jwks', 'api', ['GET']],
      ['/token', 'api', ['POST']],
      ['/token/introspection', 'api', ['POST']],
      ['/token/revocation', 'api', ['POST']],
      ['/me', 'api', ['GET', 'POST']],
      ['/request', 'api', ['POST']],
      ['/device/auth', 'api', ['POST']],
      ['/healthz', 'api', ['GET']],
      ['/readyz', 'api', ['GET']],
      ['/admin/users', 'api', ['GET', 'POST']],
      ['/admin/clients', 'api', ['GET', 'POST']],
      ['/admin/apis', 'api', ['GET', 'POST']],
      ['/admin/keys', 'api', ['GET']],
      ['/auth', 'page', ['GET']],
      ['/device', 'page', ['GET', 'POST']],
      ['/session/end', 'page', ['GET']],
      ['/session/end/confirm', 'page', ['POST']],
      ['/interaction/garbage', 'page', ['GET']],
      ['/interaction/garbage/login', 'page', ['POST']],
      ['/interaction/garbage/consent', 'page', ['POST']],
      ['/interaction/garbage/abort', 'page', ['GET']],
      ['/static/nope.css', 'page', []],
      ['/', 'page', []],
    ];

    for (const [path, kind, allowed] of ROUTES) {
      const methods = ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'GET', 'POST'].filter((m) => !allowed.includes(m));
      it_(`${methods.join('/')} ${path}: a 4xx with a proper error body`, async () => {
        // Every method is tried before judging, so one failure lists every bad answer on the route.
        const problems: string[] = [];
        for (const method of methods) {
          const auth = path.startsWith('/admin') ? ADMIN : {};
          const accepts: Array<'json' | 'html'> = kind === 'page' ? ['json', 'html'] : ['json'];
          for (const accept of accepts) {
            const r = await send(w.url, path, { method, headers: { ...auth, accept: accept === 'html' ? BROWSER_ACCEPT : 'application/json' } });
            try {
              // TRACE must never echo the request (cross-site tracing).
              expect(r.text).not.to.include(TEST_ADMIN_TOKEN);
              if (method === 'OPTIONS' && r.status < 300) {
                // Answering OPTIONS (CORS preflight, Allow) is fine, as long as it says nothing else.
                expect(r.status).to.be.oneOf([200, 204]);
                expect(r.text).to.equal('');
              } else {
                // /device/<uid> is the device flow's resume page: a stray uid is an expired page (400).
                expectErrorFor(accept, r, path === '/device/auth' ? [400, 404, 405] : [404, 405]);
              }
            } catch {
              problems.push(`${method} ${path} (Accept ${accept}) -> ${r.status} ${String(r.headers['content-type'])}: ${r.text.slice(0, 80)}`);
            }
          }
        }
        expect(problems, problems.join('\n')).to.deep.equal([]);
      });
    }

    it_('methods the HTTP parser does not know are refused with a 4xx', async () => {
      for (const method of ['FOO', 'PROPFIND', 'M-SEARCH']) {
        const r = await sendRaw(w.url, `${method} /token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(r.status, `${method}: ${r.head}`).to.be.within(400, 499);
      }
      // Node closes the connection of a CONNECT to a server that is not a proxy: no answer at all.
      const connect = await sendRaw(w.url, `CONNECT /token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(connect.status === 0 || (connect.status >= 400 && connect.status < 500), connect.head).to.equal(true);
    });

    it_('HEAD on the main GET routes answers without a 5xx', async () => {
      for (const path of ['/.well-known/openid-configuration', '/jwks', '/auth', '/device', '/session/end', '/interaction/x', '/me', '/admin/users', '/nope']) {
        const r = await send(w.url, path, { method: 'HEAD' });
        expectNot5xx(r);
        expect(r.text).to.equal('');
      }
    });

    const HOSTILE_PATHS = [
      '/%', '/%00', '/%ff', '/%E0%A4%A', '//auth', '/auth/', '/AUTH', '/TOKEN', '/token/', '/token;x', '/token%00',
      '/interaction/', '/interaction//login', '/interaction/%2e%2e/%2e%2e/admin/users', '/interaction/x/login/extra',
      '/static/../package.json', '/static/..%2f..%2fpackage.json', '/static/%2e%2e%2fpackage.json', '/static/',
      '/admin/../healthz', '/admin%2fusers', '/admin/users%00', '/.well-known/', '/.well-known/openid-configuration/x',
      '/jwks.json', '/device/auth/x', '/session/end/x', '/me/x', '/__proto__', '/constructor', '/x?__proto__[polluted]=1',
      `/${'a'.repeat(5000)}`, `/${'%2F'.repeat(1000)}`, '/\u00e9', '/?', '/#frag',
    ];
    it_('hostile paths are 4xx (JSON or page), disclose no files and never 5xx', async () => {
      for (const path of HOSTILE_PATHS) {
        for (const accept of ['json', 'html'] as const) {
          const r = await send(w.url, encodeURI(path).replaceAll('%25', '%'), { headers: { accept: accept === 'html' ? BROWSER_ACCEPT : 'application/json' } });
          expectNot5xx(r);
          expectNoLeak(r);
          expect(r.text).not.to.include('"devDependencies"');
          // oidc-provider's authorization endpoint answers people only, so HTML even to programs.
          if (r.status >= 400) expectAnyError(r);
        }
      }
      expectUnpolluted();
    });

    it_('property: random unknown paths are 404 with a proper body', async () => {
      const segment = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }).map(enc), fc.constantFrom(...HOSTILE_ENCODED));
      await property(fc.tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom('json', 'html' as const), fc.constantFrom('GET', 'POST', 'PUT', 'DELETE')), 50, async ([segments, accept, method]) => {
        const r = await send(w.url, `/zz-${segments.join('/')}`, { method, headers: { accept: accept === 'html' ? BROWSER_ACCEPT : 'application/json' } });
        expectErrorFor(accept, r, [400, 404]);
      });
    });
  });

  describe('raw HTTP', () => {
    const cases: Array<[string, string | Buffer]> = [
      ['a bare LF inside a header value', 'GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\nSet-Cookie: pwned=1\r\nConnection: close\r\n\r\n'],
      ['a bare CR inside a header value', 'GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\rb\r\nConnection: close\r\n\r\n'],
      ['a NUL inside a header value', 'GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\0b\r\nConnection: close\r\n\r\n'],
      ['a NUL in the path', 'GET /au\0th HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
      ['a space in the path', 'GET /auth x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
      ['both Content-Length and Transfer-Encoding', 'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n'],
      ['two Content-Length headers', 'POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab'],
      ['broken chunked framing', 'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'],
      ['a header without a colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\nConnection: close\r\n\r\n'],
      ['a header name with a space', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: y\r\nConnection: close\r\n\r\n'],
      ['an obsolete folded header', 'GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\n abc\r\nConnection: close\r\n\r\n'],
      ['a 40 KB header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\nConnection: close\r\n\r\n`],
      ['HTTP/9.9', 'GET /healthz HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n'],
      ['garbage instead of a request line', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n'],
      ['UTF-8 in a header value', Buffer.concat([Buffer.from('GET /me HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer '), Buffer.from('✓😀'), Buffer.from('\r\n\r\n')])],
    ];
    for (const [label, bytes] of cases) {
      it_(`answers ${label} with a 4xx (or a closed connection), never a 5xx`, async () => {
        const r = await sendRaw(w.url, bytes);
        for (const status of r.statuses) expect(status, `${label}: ${r.head}`).to.be.within(200, 499);
        expect(r.head).not.to.match(/^set-cookie: pwned/im);
        expectNoLeak({ text: r.body, label });
      });
    }

    it_('refuses a request with two Host headers (RFC 9112 §3.2), whichever comes first', async () => {
      const host = new URL(w.url).host;
      for (const hosts of [[host, 'evil.example'], ['evil.example', host], [host, host]]) {
        const r = await sendRaw(w.url, `GET /.well-known/openid-configuration HTTP/1.1\r\n${hosts.map((h) => `Host: ${h}\r\n`).join('')}Connection: close\r\n\r\n`);
        expect(r.status, hosts.join(' + ')).to.equal(400);
        expect(r.body).to.not.include('evil.example');
      }
      const one = await sendRaw(w.url, `GET /.well-known/openid-configuration HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      expect(one.status).to.equal(200);
    });

    it_('an absolute-form request line does not change the issuer', async () => {
      const r = await sendRaw(w.url, 'GET http://evil.example/.well-known/openid-configuration HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n');
      expect(r.status).to.be.within(200, 499);
      // Either refused, or built from the configured issuer: never from the request line.
      expect(r.body).not.to.include('evil.example');
    });

    it_('a pipelined good request after a bad one is not smuggled through', async () => {
      const r = await sendRaw(w.url, `GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\0b\r\n\r\nGET /admin/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_ADMIN_TOKEN}\r\nConnection: close\r\n\r\n`);
      expect(r.statuses[0]).to.be.within(400, 499);
      expect(r.statuses).not.to.include(500);
    });

    it_('property: hostile X-Request-Id values are never echoed', async () => {
      await property(fc.oneof(headerJunk, fc.constant('a'.repeat(200)), fc.constant('<script>')), 40, async (id) => {
        const r = await send(w.url, '/healthz', { headers: { 'x-request-id': id } });
        expect(r.status).to.equal(200);
        expect(String(r.headers['x-request-id'])).to.match(/^[\w.:-]{1,128}$/);
      });
    });

    it_('CR/LF smuggled through a query value never reaches a response header', async () => {
      const q = formOf({
        client_id: w.confidential.clientId, redirect_uri: REDIRECT_URI, response_type: 'token', scope: 'openid',
        code_challenge: CHALLENGE, code_challenge_method: 'S256', state: 'x\r\nSet-Cookie: pwned=1\r\n',
      });
      const r = await sendRaw(w.url, `GET ${w.ep.auth}?${q} HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nConnection: close\r\n\r\n`);
      expect(r.status).to.be.within(300, 499);
      expect(r.head).not.to.match(/^set-cookie: pwned/im);
    });
  });

  it_('finishes with a healthy server and an unpolluted Object.prototype', async () => {
    expectUnpolluted();
    const ready = await send(w.url, '/readyz');
    expect(ready.status).to.equal(200);
  });
});

// ================================================================================================

describe('bad input (redis store, a subset)', function () {
  this.timeout(60_000);
  let w: World;
  before(async () => {
    w = await setUp('redis');
  });
  after(() => w.lk.stop());

  const it_ = (title: string, fn: () => Promise<void>) => it(title, () => guarded(w, fn));

  it_('property: garbage codes, refresh tokens and device codes are invalid_grant', async () => {
    const arb = fc.tuple(fc.constantFrom('authorization_code', 'refresh_token', DEVICE_GRANT), junk.filter((s) => s !== ''));
    await property(arb, 30, async ([grant, value]) => {
      const body =
        grant === 'authorization_code' ? formOf({ grant_type: grant, code: value, redirect_uri: REDIRECT_URI, code_verifier: VERIFIER })
          : grant === 'refresh_token' ? formOf({ grant_type: grant, refresh_token: value })
            : formOf({ grant_type: grant, device_code: value });
      expectApiError(await authed(w, w.ep.token, body), [400]);
    });
  });

  it_('property: introspecting junk says inactive', async () => {
    await property(junk.filter((s) => s !== ''), 30, async (token) => {
      const r = await authed(w, w.ep.introspection, formOf({ token }));
      expect(r.status, r.label).to.equal(200);
      expect(r.json).to.deep.equal({ active: false });
    });
  });

  it_('property: hostile bearer tokens at userinfo get a 4xx OAuth error', async () => {
    await property(authorizationJunk, 30, async (authorization) => {
      expectApiError(await api(w, w.ep.userinfo, { headers: { authorization } }));
    });
  });

  it_('property: mutated authorization requests are rejected or redirected safely', async () => {
    const base = {
      client_id: w.confidential.clientId, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid',
      state: 'st', code_challenge: CHALLENGE, code_challenge_method: 'S256',
    };
    await property(mutated(base, AUTH_PARAM_NAMES), 30, async (query) => {
      expectAuthorizationOutcome(w, await page(w, `${w.ep.auth}?${query}`));
    });
  });

  it_('property: garbage interaction uids and cookies give a 4xx page', async () => {
    await property(fc.tuple(encodedJunk.filter((u) => u !== '' && !u.includes('%2F')), headerJunk.map((v) => v.replace(/[;,\s]/g, ''))), 30, async ([uid, cookie]) => {
      expectHtmlPage(await page(w, `/interaction/${uid}`, { headers: { cookie: `_interaction=${cookie}; _interaction.sig=${cookie}` } }), [400, 404]);
    });
  });

  it_('property: junk user codes on the device page give a 400 page', async () => {
    const { jar, xsrf } = await devicePage(w);
    await property(junk.filter((s) => s.trim() !== ''), 30, async (userCode) => {
      const r = await page(w, '/device', { method: 'POST', headers: { 'content-type': FORM, cookie: jar.header }, body: formOf({ xsrf, user_code: userCode }) });
      expectHtmlPage(r, [400]);
    });
  });

  it_('property: removing a client that does not exist is 404, whatever its id', async () => {
    await property(encodedJunk.filter((id) => id !== '' && !id.includes('%2F')), 30, async (id) => {
      expectApiError(await api(w, `/admin/clients/${id}`, { method: 'DELETE', headers: ADMIN }), [400, 404]);
    });
  });

  it_('POST /device without a browser session gives a 4xx page', async () => {
    expectHtmlPage(await page(w, '/device', { method: 'POST', headers: { 'content-type': FORM }, body: 'user_code=XXXX-XXXX&xsrf=abc' }));
  });

  it_('finishes with a ready server', async () => {
    const ready = await send(w.url, '/readyz');
    expect(ready.status).to.equal(200);
  });
});

// Used only to keep HOSTILE_VALUES honest: every value survives a round trip through a form.
describe('hostile value table', () => {
  it('encodes every hostile value into a form body and back', () => {
    for (const value of HOSTILE_VALUES) {
      const decoded = new URLSearchParams(formOf({ v: value })).get('v');
      expect(decoded).to.equal(value.toWellFormed());
    }
  });
});
