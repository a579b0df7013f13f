// Served over https, every cookie is prefixed (__Host- or __Secure-) and Secure; over plain http
// (development, tests) the names stay plain, since browsers would drop prefixed cookies there.
import { expect } from 'chai';
import { parse } from 'node-html-parser';
import { authorizationRequest } from '../support/flows.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, addUser, PASSWORD } from '../support/oidc.ts';

/** A sign-in as a browser behind a TLS-terminating proxy would send it; every Set-Cookie seen. */
async function signInSeeingCookies(running: Running, https: boolean): Promise<string[]> {
  const user = await addUser(running);
  const { clientId } = await addClient(running);
  const { params } = await authorizationRequest('openid');
  const jar = new Map<string, string>();
  const seen: string[] = [];
  const go = async (method: string, url: string, body?: URLSearchParams): Promise<Response> => {
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(https ? { 'x-forwarded-proto': 'https' } : {}),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    for (const line of response.headers.getSetCookie()) {
      seen.push(line);
      const [pair] = line.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (value) jar.set(name, value);
    }
    return response;
  };
  const local = (location: string | null) => new URL(location!, running.url).href.replace(/^https:/, 'http:');
  let response = await go('GET', `${running.url}/auth?${new URLSearchParams({ ...params, client_id: clientId, response_type: 'code' })}`);
  response = await go('GET', local(response.headers.get('location')));
  const form = parse(await response.text()).querySelector('form')!;
  const fields = new URLSearchParams({ email: user.email, password: PASSWORD, _csrf: form.querySelector('input[name="_csrf"]')!.getAttribute('value')! });
  response = await go('POST', local(form.getAttribute('action')!), fields);
  expect(response.status, 'the login was accepted').to.equal(303);
  await go('GET', local(response.headers.get('location')));
  return seen;
}

describe('cookies', () => {
  it('are prefixed and Secure when the issuer is https', async () => {
    const running = await startLatchkey({ issuer: (url) => url.replace(/^http:/, 'https:'), env: { TRUST_PROXY: 'true' } });
    try {
      const cookies = await signInSeeingCookies(running, true);
      const names = new Set(cookies.map((c) => c.slice(0, c.indexOf('='))));
      for (const name of ['__Host-session', '__Secure-interaction', '__Secure-interaction-resume', '__Host-lk.csrf']) expect(names, name).to.include(name);
      for (const cookie of cookies) {
        const name = cookie.slice(0, cookie.indexOf('='));
        expect(name, 'every cookie prefixed').to.match(/^__(Host|Secure)-/);
        expect(cookie.toLowerCase(), name).to.include('; secure');
        if (name.startsWith('__Host-')) {
          expect(cookie.toLowerCase(), name).to.include('; path=/;');
          expect(cookie.toLowerCase(), name).to.not.include('domain=');
        }
      }
    } finally {
      await running.stop();
    }
  });

  it('keep plain names over http', async () => {
    const running = await startLatchkey();
    try {
      const names = new Set((await signInSeeingCookies(running, false)).map((c) => c.slice(0, c.indexOf('='))));
      expect(names).to.include('_session');
      expect([...names].some((name) => name.startsWith('__'))).to.equal(false);
    } finally {
      await running.stop();
    }
  });
});
