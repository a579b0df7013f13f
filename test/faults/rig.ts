// What the fault tests share: a Latchkey on a redis-server of its own (with AOF, so a restart
// keeps its clients and keys), its log lines, a service and a person with tokens, and a round of
// requests at every OAuth endpoint and page, each answered with status, Retry-After and body.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { startLatchkey, TEST_ADMIN_TOKEN, type Running } from '../support/latchkey.ts';
import { Browser, type Page } from '../support/browser.ts';
import { addClient, addUser, discover, PASSWORD, REDIRECT_URI, signIn } from '../support/oidc.ts';
import { startRedis, type RedisOptions, type TestRedis } from '../support/redis.ts';

export interface Answer {
  what: string;
  status: number;
  retryAfter: string | null;
  type: string;
  body: string;
  /** How long the answer took. */
  ms: number;
}

export interface Rig {
  running: Running;
  redis: TestRedis;
  /** Every log line so far, parsed. */
  logs: Record<string, unknown>[];
  service: { clientId: string; secret: string };
  accessToken: string;
  refreshToken: string;
  /** A login page reached before the fault, to be shown again during it. */
  loginPage: string;
  clientCredentials(): Promise<Answer>;
  ready(): Promise<Answer>;
  /** Every endpoint and page once. */
  everyEndpoint(): Promise<Answer[]>;
  stop(): Promise<void>;
}

/** The rig's /metrics bearer token. */
export const RIG_METRICS_TOKEN = 'rig-metrics-token-9f3c1a7e52d84b06';

export async function startRig(redisOptions: RedisOptions = { appendfsync: 'always' }): Promise<Rig> {
  const redis = await startRedis(redisOptions);
  const logs: Record<string, unknown>[] = [];
  const running = await startLatchkey({ store: 'redis', redis, env: { METRICS_TOKEN: RIG_METRICS_TOKEN }, logs: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) } });
  const user = await addUser(running);
  const web = await addClient(running, { grant_types: ['authorization_code', 'refresh_token'] });
  const webConfig = await discover(running, web.clientId, web.secret);
  const { tokens } = await signIn(webConfig, user.email);
  const service = await addClient(running, { redirect_uris: [], response_types: [], grant_types: ['client_credentials'] });
  // A login page reached by a person's browser (its interaction cookie kept).
  const auth = oidc.buildAuthorizationUrl(webConfig, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', prompt: 'login' });
  const browser = new Browser([new URL(REDIRECT_URI).origin]);
  const login = await browser.get(auth.href);
  expect(login.doc.querySelector('#password'), 'a login page').to.not.equal(null);
  const loginPage = login.url;
  const page = async (what: string, visit: () => Promise<Page>): Promise<Answer> => {
    const started = Date.now();
    const seen = await visit();
    return { what, status: seen.status, retryAfter: seen.headers.get('retry-after'), type: seen.headers.get('content-type') ?? '', body: seen.html, ms: Date.now() - started };
  };

  const basic = (id: string, secret?: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret ?? '')}`).toString('base64')}`;
  const call = async (what: string, path: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string>; html?: boolean } = {}): Promise<Answer> => {
    const started = Date.now();
    const headers: Record<string, string> = { accept: init.html ? 'text/html' : 'application/json', ...init.headers };
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(new URL(path, running.url), {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      body: init.form ? new URLSearchParams(init.form) : undefined,
      redirect: 'manual',
    });
    return { what, status: response.status, retryAfter: response.headers.get('retry-after'), type: response.headers.get('content-type') ?? '', body: await response.text(), ms: Date.now() - started };
  };
  const asService = { authorization: basic(service.clientId, service.secret) };
  const asWeb = { authorization: basic(web.clientId, web.secret) };

  return {
    running,
    redis,
    logs,
    service: { clientId: service.clientId, secret: service.secret! },
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token!,
    loginPage,
    clientCredentials: () => call('token (client_credentials)', '/token', { form: { grant_type: 'client_credentials' }, headers: asService }),
    ready: () => call('readyz', '/readyz'),
    everyEndpoint: () =>
      Promise.all([
        call('token (client_credentials)', '/token', { form: { grant_type: 'client_credentials' }, headers: asService }),
        call('token (refresh_token)', '/token', { form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, headers: asWeb }),
        call('introspection', '/token/introspection', { form: { token: tokens.access_token }, headers: asWeb }),
        call('revocation', '/token/revocation', { form: { token: 'not-a-token' }, headers: asWeb }),
        call('userinfo', '/me', { headers: { authorization: `Bearer ${tokens.access_token}` } }),
        call('pushed authorization request', '/request', { form: { client_id: web.clientId, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }, headers: asWeb }),
        call('device authorization', '/device/auth', { form: { client_id: web.clientId, scope: 'openid' } }),
        call('admin API', '/admin/users', { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } }),
        call('authorization page', auth.href, { html: true }),
        page('login page', () => browser.get(loginPage)),
        page('sign-in form', () => browser.submit(login, { Email: user.email, Password: PASSWORD }, 'Sign in')),
        call('device page', '/device', { html: true }),
        call('logout page', '/session/end', { html: true }),
      ]),
    async stop() {
      await running.stop();
      await redis.stop();
    },
  };
}

/** The 503 an endpoint must answer while Redis is away: OAuth JSON or a friendly page. */
export function expectUnavailable(answer: Answer): void {
  const where = `${answer.what}: ${answer.status} ${answer.body.slice(0, 200)}`;
  expect(answer.status, where).to.equal(503);
  expect(answer.retryAfter, `${where} (Retry-After)`).to.match(/^\d+$/);
  if (answer.type.startsWith('text/html')) {
    expect(answer.body, where).to.include('Please try again in a moment');
    expect(answer.body, where).to.include('try again');
  } else {
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect(body.error, where).to.equal('temporarily_unavailable');
    expect(body.error_description, where).to.be.a('string');
  }
}

/** Log lines of one event. */
export const eventsIn = (logs: Record<string, unknown>[], event: string) => logs.filter((line) => line.event === event);
