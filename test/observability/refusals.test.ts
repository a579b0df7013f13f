// A refused request tells the person or the client what happened in plain words, what to do next
// and the request id, and nothing of the configuration (a client's registered redirect URIs, its
// APIs, Redis's address, a stack trace); the operator log line under that request id carries the
// detail, and a refused browser request is in the audit trail under the same id.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import * as oidc from 'openid-client';
import type { AuditEvent } from '../../server/audit/catalogue.ts';
import { Browser } from '../support/browser.ts';
import { authorizationRequest } from '../support/flows.ts';
import { startLatchkey, TEST_ADMIN_TOKEN, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, REDIRECT_URI, signIn } from '../support/oidc.ts';

// Configuration the pages must never show.
const REGISTERED_ELSEWHERE = 'https://portal.corp.internal.example.test/registered-callback';
const API = 'https://orders.corp.internal.example.test/api';
const PASSWORD_IN_BODY = 'a-password-in-a-broken-body-0123';

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  [field: string]: unknown;
}

function rig(store: 'redis') {
  const lines: string[] = [];
  const state = { running: undefined as unknown as Running, lines };
  before(async () => {
    state.running = await startLatchkey({ store, logs: { write: (line: string) => void lines.push(line) } });
    await state.running.latchkey.apis.add({ identifier: API, scopes: [{ name: 'orders:read' }], accessTokenFormat: 'opaque' });
  });
  after(() => state.running.stop());
  return state;
}

const logOf = (lines: string[], requestId: string): LogLine[] => lines.map((l) => JSON.parse(l) as LogLine).filter((l) => l.requestId === requestId);
const refusalOf = (lines: string[], requestId: string) => {
  const found = logOf(lines, requestId).find((l) => l.msg === 'request refused');
  expect(found, `a "request refused" log line for ${requestId}`).to.not.equal(undefined);
  return found!;
};

/** Nothing of the configuration, the internals or a stack. */
function expectNoConfiguration(text: string, running: Running): void {
  for (const secret of [REGISTERED_ELSEWHERE, API, 'corp.internal', new URL(running.redis!.url).port, 'redis://', 'node_modules', 'oidc-provider']) {
    expect(text.includes(secret), `${secret} in ${text.slice(0, 300)}`).to.equal(false);
  }
  expect(text).to.not.match(/\n\s+at [\w.<>]+ \(/);
}

/** A page's visible text, and that it names the request id and says what to do. */
function expectPage(html: string, requestId: string): void {
  expect(html).to.include(requestId);
  expect(html).to.include('What you can do');
}

describe('refused requests', () => {
  const s = rig('redis');
  let client: { clientId: string; secret?: string };
  let config: oidc.Configuration;
  before(async () => {
    client = await addClient(s.running, {
      redirect_uris: [REDIRECT_URI, REGISTERED_ELSEWHERE],
      post_logout_redirect_uris: [`${REGISTERED_ELSEWHERE}/signed-out`],
      grant_types: ['authorization_code', 'client_credentials'],
      scope: 'openid email',
      allowed_resources: { [API]: 'orders:read' },
    } as never);
    config = await discover(s.running, client.clientId, client.secret);
  });

  const get = async (url: string, accept = 'text/html') => {
    const requestId = `t-${randomUUID()}`;
    const res = await fetch(url, { redirect: 'manual', headers: { accept, 'x-request-id': requestId } });
    expect(res.headers.get('x-request-id')).to.equal(requestId);
    return { requestId, res, text: await res.text() };
  };
  const authorizeUrl = async (extra: Record<string, string>) => {
    const { params } = await authorizationRequest('openid');
    return oidc.buildAuthorizationUrl(config, { ...params, ...extra }).href;
  };
  const auditOf = async (requestId: string) => {
    await s.running.latchkey.audit.flush();
    const { events } = await s.running.latchkey.audit.search({ type: 'request.refused', limit: 100 });
    return events.map((e) => e.event).filter((e) => e.requestId === requestId) as Extract<AuditEvent, { type: 'request.refused' }>[];
  };

  it('a redirect_uri the client did not register: a page in plain words; the registered ones only in the log', async () => {
    const wrong = 'https://rp.example.test/not-registered';
    const { requestId, res, text } = await get(await authorizeUrl({ redirect_uri: wrong }));
    expect(res.status).to.equal(400);
    expect(res.headers.get('location')).to.equal(null);
    expectPage(text, requestId);
    expect(text).to.include('has not registered with us');
    expect(text).to.include('invalid_redirect_uri');
    expectNoConfiguration(text, s.running);
    expect(text, 'the developers’ description stays off the page').to.not.include('registered redirect_uris');

    const line = refusalOf(s.lines, requestId);
    expect(line).to.deep.include({ event: 'request.refused', route: 'authorization', error: 'invalid_redirect_uri', client: client.clientId });
    expect(line.asked).to.deep.include({ redirect_uri: wrong, client_id: client.clientId });
    expect(line.registered).to.deep.equal([REDIRECT_URI, REGISTERED_ELSEWHERE]);
    const [event] = await auditOf(requestId);
    expect(event).to.deep.include({ route: 'authorization', client: client.clientId, error: 'invalid_redirect_uri', redirectUri: wrong, actor: { kind: 'client', clientId: client.clientId } });
  });

  it('an unknown client: a page that says so; the library’s detail in the log', async () => {
    const url = new URL(await authorizeUrl({}));
    url.searchParams.set('client_id', 'no-such-client');
    const { requestId, res, text } = await get(url.href);
    expect(res.status).to.equal(400);
    expectPage(text, requestId);
    expect(text).to.include('We do not recognise the app');
    expectNoConfiguration(text, s.running);
    const line = refusalOf(s.lines, requestId);
    expect(line).to.deep.include({ error: 'invalid_client', detail: 'client not found' });
    expect(line.asked).to.deep.include({ client_id: 'no-such-client' });
    expect((await auditOf(requestId))[0]).to.deep.include({ error: 'invalid_client', detail: 'client not found', actor: { kind: 'anonymous' } });
  });

  it('a scope the client may not have: the app hears invalid_scope; the log says what was asked', async () => {
    const { requestId, res } = await get(await authorizeUrl({ scope: 'openid profile' }));
    expect(res.status).to.equal(303);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).to.equal(REDIRECT_URI);
    expect(location.searchParams.get('error')).to.equal('invalid_scope');
    expect(location.searchParams.get('scope'), 'the scope refused, never those allowed').to.equal('profile');
    expect(refusalOf(s.lines, requestId)).to.deep.nested.include({ error: 'invalid_scope', 'asked.scope': 'openid profile' });
  });

  it('a sign-out address the client did not register: a page in plain words; the registered ones only in the log', async () => {
    const user = await addUser(s.running);
    const { tokens, browser } = await signIn(config, user.email, 'openid');
    const requestId = `t-${randomUUID()}`;
    browser.headers['x-request-id'] = requestId;
    const wrong = 'https://rp.example.test/bye-elsewhere';
    const page = await browser.get(oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: wrong }).href);
    expect(page.status).to.equal(400);
    expectPage(page.html, requestId);
    expectNoConfiguration(page.html, s.running);
    const line = refusalOf(s.lines, requestId);
    expect(line).to.deep.nested.include({ route: 'end_session', error: 'invalid_request', client: client.clientId, 'asked.post_logout_redirect_uri': wrong });
    expect(line.registered).to.deep.equal([`${REGISTERED_ELSEWHERE}/signed-out`]);
    expect((await auditOf(requestId))[0]).to.deep.include({ route: 'end_session', redirectUri: wrong, description: 'post_logout_redirect_uri not registered' });
  });

  it('a silent sign-in check of a signed-out browser is routine: logged at debug, not audited', async () => {
    const { requestId, res } = await get(await authorizeUrl({ prompt: 'none' }));
    expect(res.status).to.equal(303);
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).to.equal('login_required');
    expect(refusalOf(s.lines, requestId)).to.deep.include({ level: 20, error: 'login_required' });
    expect(await auditOf(requestId)).to.deep.equal([]);
    // A refusal proper is at info.
    const { requestId: wrong } = await get(await authorizeUrl({ redirect_uri: 'https://rp.example.test/elsewhere' }));
    expect(refusalOf(s.lines, wrong).level).to.equal(30);
  });

  it('a resource the client may not use: neither the redirect nor the token response names its APIs; the log does', async () => {
    const other = 'https://billing.example.test/api';
    const { requestId, res } = await get(await authorizeUrl({ resource: other }));
    expect(res.status).to.equal(303);
    const location = res.headers.get('location')!;
    expect(new URL(location).searchParams.get('error')).to.equal('invalid_target');
    expectNoConfiguration(decodeURIComponent(location), s.running);
    const line = refusalOf(s.lines, requestId);
    expect(line).to.deep.nested.include({ error: 'invalid_target', 'asked.resource': other });
    expect(line.allowedResources).to.deep.equal([API]);
    expect((await auditOf(requestId))[0]).to.deep.include({ error: 'invalid_target', resource: other });

    const tokenId = `t-${randomUUID()}`;
    const token = await fetch(`${s.running.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`, 'x-request-id': tokenId },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: other }),
    });
    expect(token.status).to.equal(400);
    const body = await token.text();
    expect(JSON.parse(body)).to.include({ error: 'invalid_target' });
    expectNoConfiguration(body, s.running);
    expect(refusalOf(s.lines, tokenId).allowedResources).to.deep.equal([API]);
    expect(await auditOf(tokenId), 'a back-channel refusal is the log’s only').to.deep.equal([]);
  });

  it('a method an endpoint does not answer: says so (not "nothing here"), with the request id; the request line has the method', async () => {
    const requestId = `t-${randomUUID()}`;
    const res = await fetch(`${s.running.url}/token`, { method: 'DELETE', headers: { accept: 'application/json', 'x-request-id': requestId } });
    expect(res.status).to.equal(404);
    expect(res.headers.get('x-request-id')).to.equal(requestId);
    const body = (await res.json()) as { error_description: string };
    expect(body.error_description).to.include('does not answer DELETE requests').and.include('Check the method');
    expect(logOf(s.lines, requestId).find((l) => l.msg === 'request')).to.deep.include({ method: 'DELETE', path: '/token', status: 404 });

    const page = await fetch(`${s.running.url}/auth`, { method: 'PUT', headers: { accept: 'text/html', 'x-request-id': `${requestId}-page` } });
    const html = await page.text();
    expectPage(html, `${requestId}-page`);
    expect(html).to.include('does not answer PUT requests');
    // Below an address the table owns is not the address itself: nothing there, whatever the method.
    const below = await fetch(`${s.running.url}/account/no-such-page`, { headers: { accept: 'application/json' } });
    expect(below.status).to.equal(404);
    expect(((await below.json()) as { error_description: string }).error_description).to.equal('There is nothing at this address.');
  });

  it('a malformed JSON body on the admin API: what to send instead; where it broke only in the log, and never the body', async () => {
    const requestId = `t-${randomUUID()}`;
    const res = await fetch(`${s.running.url}/admin/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'x-request-id': requestId },
      body: `{"email": "ada@example.test", "password": "${PASSWORD_IN_BODY}`,
    });
    expect(res.status).to.equal(400);
    expect(res.headers.get('x-request-id')).to.equal(requestId);
    const text = await res.text();
    expect(JSON.parse(text)).to.deep.equal({ error: 'invalid_request', error_description: 'The request body is not valid JSON. Send one JSON object, with Content-Type: application/json.' });
    const line = refusalOf(s.lines, requestId);
    expect(line).to.deep.include({ cause: 'malformed JSON', path: '/admin/users', status: 400 });
    expect(line.position).to.be.a('number');
    expect(s.lines.join('\n')).to.not.include(PASSWORD_IN_BODY);
  });
});

describe('refused requests while Redis is away', () => {
  const s = rig('redis');

  it('a page render with Redis down: try again, with the request id; the cause only in the log', async () => {
    const { clientId, secret } = await addClient(s.running);
    const config = await discover(s.running, clientId, secret);
    const { params } = await authorizationRequest('openid');
    const browser = new Browser([new URL(REDIRECT_URI).origin]);
    const url = oidc.buildAuthorizationUrl(config, params).href;
    const login = await browser.get(url);
    expect(login.doc.querySelector('#password'), 'the login page').to.not.equal(null);
    await s.running.redis!.stop();

    for (const [target, label] of [[login.url, 'the sign-in page'], [url, 'the authorization endpoint']] as const) {
      const requestId = `t-${randomUUID()}`;
      browser.headers['x-request-id'] = requestId;
      const page = await browser.get(target);
      expect(page.status, label).to.equal(503);
      expectPage(page.html, requestId);
      expect(page.html).to.include('Wait a few seconds, then try again');
      expectNoConfiguration(page.html, s.running);
      const line = logOf(s.lines, requestId).find((l) => l.msg === 'store unavailable' || l.msg === 'request refused');
      expect(line, `${label}: a log line under ${requestId} with the cause`).to.not.equal(undefined);
      expect(String(line!.reason ?? line!.cause), label).to.match(/\w/);
    }
  });
});
