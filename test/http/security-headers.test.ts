// Pages get the document security headers; JSON endpoints get the short API set; a page rendered
// on a JSON endpoint's path (an error for a browser) still gets the page set.
import { expect } from 'chai';
import { startLatchkey, TEST_ADMIN_TOKEN, type Running } from '../support/latchkey.ts';
import { addClient, REDIRECT_URI } from '../support/oidc.ts';

const HTML = { accept: 'text/html' };
const JSON_ = { accept: 'application/json' };

function headersOf(response: Response) {
  return {
    csp: response.headers.get('content-security-policy'),
    nosniff: response.headers.get('x-content-type-options'),
    frame: response.headers.get('x-frame-options'),
    referrer: response.headers.get('referrer-policy'),
    coop: response.headers.get('cross-origin-opener-policy'),
    hsts: response.headers.get('strict-transport-security'),
  };
}

function expectPage(response: Response) {
  const h = headersOf(response);
  expect(h.csp, response.url).to.match(/^default-src 'self'; script-src 'self'.*frame-ancestors 'none'$/);
  expect(h).to.include({ nosniff: 'nosniff', frame: 'DENY', referrer: 'no-referrer', coop: 'same-origin' });
}

function expectApi(response: Response) {
  expect(headersOf(response), response.url).to.deep.include({
    csp: "default-src 'none'; frame-ancestors 'none'",
    nosniff: 'nosniff',
    frame: null,
    referrer: null,
    coop: null,
  });
}

describe('security headers', () => {
  let running: Running;
  let clientId: string;
  before(async () => {
    running = await startLatchkey();
    ({ clientId } = await addClient(running));
  });
  after(() => running.stop());
  const get = (path: string, headers: Record<string, string> = JSON_) => fetch(`${running.url}${path}`, { headers, redirect: 'manual' });

  it('gives JSON endpoints the API set', async () => {
    const token = await fetch(`${running.url}/token`, {
      method: 'POST',
      headers: { ...JSON_, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(token.status).to.equal(400);
    for (const response of [
      token,
      await get('/.well-known/openid-configuration'),
      await get('/jwks'),
      await get('/me'),
      await get('/healthz'),
      await get('/admin/users', { ...JSON_, authorization: `Bearer ${TEST_ADMIN_TOKEN}` }),
    ]) {
      expect(response.headers.get('content-type'), response.url).to.match(/^application\/(jwk-set\+)?json/);
      expectApi(response);
    }
  });

  it('gives pages and the redirects between them the page set', async () => {
    const auth = await get(`/auth?${new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`, HTML);
    expect(auth.status).to.be.within(300, 399);
    expectPage(auth);
    for (const path of ['/device', '/no-such-page', '/static/latchkey.css']) {
      const response = await get(path, HTML);
      expectPage(response);
    }
  });

  it('gives an error page on a JSON endpoint the page set', async () => {
    const response = await get('/token/introspection', HTML);
    expect(response.status).to.be.within(400, 499);
    expect(response.headers.get('content-type')).to.match(/^text\/html/);
    expectPage(response);
  });

  it('sends HSTS only for an https issuer', async () => {
    expect(headersOf(await get('/healthz')).hsts).to.equal(null);
    const behindTls = await startLatchkey({ issuer: 'https://id.example.test', env: { TRUST_PROXY: 'true' } });
    try {
      const response = await fetch(`${behindTls.url}/healthz`, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'id.example.test' } });
      expect(headersOf(response).hsts).to.equal('max-age=31536000; includeSubDomains');
    } finally {
      await behindTls.stop();
    }
  });
});
