// The console's JSON API (/account/api/...): for the signed-in person only, by an access token of
// the console client or by the console's own sign-in (cookies) with the page's CSRF token for
// anything that changes; never by a token another app holds; never on another person's ids.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { consoleClient, CONSOLE_CLIENT_ID } from '../../server/account/console-client.ts';
import { csrfOf, isActive, openConsole } from '../support/account.ts';
import type { Browser } from '../support/browser.ts';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';

for (const store of STORES) {
  describe(`account console: JSON API (${store} store)`, () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store });
    });
    after(() => running.stop());

    async function person(name = 'Notes') {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running, { client_name: name });
      const config = await discover(running, clientId, secret);
      return { user, clientId, config, ...(await signIn(config, user.email)) };
    }

    /** An access token of the console client, got by its own code flow in a signed-in browser. */
    async function consoleToken(browser: Browser): Promise<string> {
      const secret = String(consoleClient(running.url, running.config.keysEncryptionKeys[0]!).client_secret);
      const config = await discover(running, CONSOLE_CLIENT_ID, secret);
      const redirectUri = `${running.url}/account/callback`;
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      let url = oidc.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state }).href;
      for (let hops = 0; hops < 10 && !url.startsWith(redirectUri); hops++) {
        const res = await browser.request('GET', url);
        expect(res.status, `a redirect from ${url}`).to.be.within(300, 399);
        url = new URL(res.headers.get('location')!, url).href;
      }
      const tokens = await oidc.authorizationCodeGrant(config, new URL(url), { pkceCodeVerifier: verifier, expectedState: state });
      return tokens.access_token;
    }

    /** A call as a product embedding the console would make it. */
    async function call(method: string, path: string, how: { bearer?: string; browser?: Browser; csrf?: string } = {}) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (how.bearer) headers.authorization = `Bearer ${how.bearer}`;
      if (how.browser) headers.cookie = [...how.browser.cookies(new URL(running.url).host)].map(([k, v]) => `${k}=${v}`).join('; ');
      if (how.csrf) headers['x-csrf-token'] = how.csrf;
      const res = await fetch(`${running.url}/account/api${path}`, { method, headers });
      const text = await res.text();
      return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
    }

    it('answers the console client’s access token: apps, sessions and activity, never cached', async () => {
      const { browser, clientId } = await person();
      const bearer = await consoleToken(browser);
      const apps = await call('GET', '/apps', { bearer });
      expect(apps.status).to.equal(200);
      expect(apps.headers.get('cache-control')).to.equal('no-store');
      expect(apps.json.apps.map((a: { clientId: string }) => a.clientId)).to.deep.equal([clientId]);
      expect(apps.json.apps[0]).to.include({ name: 'Notes', offline: true });
      const sessions = await call('GET', '/sessions', { bearer });
      expect(sessions.json.sessions).to.have.length(1);
      expect(sessions.json.sessions[0].current, 'the session the token was issued in').to.equal(true);
      expect((await call('GET', '/activity', { bearer })).json.activity.map((item: { text: string }) => item.text)).to.deep.equal(['You allowed Notes to access your account', 'Signed in to Notes']);
    });

    it('refuses a token another app holds, a bad token, nothing at all, and a disabled account', async () => {
      const { browser, tokens, user } = await person();
      for (const how of [{ bearer: tokens.access_token }, { bearer: 'not-a-token' }, {}]) {
        const answer = await call('GET', '/apps', how);
        expect(answer.status, JSON.stringify(how)).to.equal(401);
        expect(answer.json.error).to.equal('invalid_token');
      }
      const bearer = await consoleToken(browser);
      await running.latchkey.users.setDisabled(user.email, true);
      expect((await call('GET', '/apps', { bearer })).status).to.equal(401);
    });

    it('takes the console’s cookies, with the page’s CSRF token for changes', async () => {
      const { browser, config, tokens } = await person();
      expect((await call('GET', '/apps', { browser })).status, 'Latchkey’s session alone is not the console’s sign-in').to.equal(401);
      await openConsole(running, browser);
      const apps = await call('GET', '/apps', { browser });
      expect(apps.status).to.equal(200);
      const grantId = apps.json.apps[0].grantId as string;
      const forged = await call('DELETE', `/apps/${grantId}`, { browser });
      expect(forged.status).to.equal(403);
      expect(await isActive(config, tokens.access_token), 'nothing removed without the CSRF token').to.equal(true);
      const csrf = csrfOf(await openConsole(running, browser, '/account/apps'));
      expect((await call('DELETE', `/apps/${grantId}`, { browser, csrf })).status).to.equal(204);
      expect(await isActive(config, tokens.access_token)).to.equal(false);
      expect((await call('GET', '/apps', { browser })).json.apps).to.deep.equal([]);
      expect((await call('GET', '/activity', { browser })).json.activity[0].text).to.equal("You removed Notes's access");
      expect((await call('DELETE', `/apps/${grantId}`, { browser, csrf })).status, 'already gone').to.equal(404);
    });

    it('never shows or acts on another person’s apps or sessions: their ids answer 404', async () => {
      const alice = await person('Alice App');
      const bob = await person('Bob App');
      await openConsole(running, bob.browser);
      const bobsApps = (await call('GET', '/apps', { browser: bob.browser })).json.apps as Array<{ grantId: string }>;
      const bobsSessions = (await call('GET', '/sessions', { browser: bob.browser })).json.sessions as Array<{ id: string }>;
      const bearer = await consoleToken(alice.browser);
      const csrf = csrfOf(await openConsole(running, alice.browser, '/account/apps'));
      for (const how of [{ bearer }, { browser: alice.browser, csrf }]) {
        const apps = (await call('GET', '/apps', how)).json.apps as Array<{ name: string }>;
        expect(apps.map((a) => a.name)).to.deep.equal(['Alice App']);
        expect((await call('DELETE', `/apps/${bobsApps[0]!.grantId}`, how)).status).to.equal(404);
        expect((await call('DELETE', `/sessions/${encodeURIComponent(bobsSessions[0]!.id)}`, how)).status).to.equal(404);
        expect((await call('DELETE', '/apps/no-such-grant', how)).status).to.equal(404);
      }
      expect(await isActive(bob.config, bob.tokens.access_token), 'Bob’s app keeps its access').to.equal(true);
      expect((await openConsole(running, bob.browser)).url, 'Bob stays signed in').to.equal(`${running.url}/account`);
    });

    it('signs out of the other sessions, keeping the one asking', async () => {
      const here = await person();
      const there = await signIn(here.config, here.user.email);
      const bearer = await consoleToken(here.browser);
      const answer = await call('POST', '/sessions/sign-out-others', { bearer });
      expect(answer.json).to.deep.equal({ signedOut: 1 });
      expect((await openConsole(running, there.browser)).doc.querySelector('#password'), 'the other browser signed out').to.not.equal(null);
      expect((await openConsole(running, here.browser)).url).to.equal(`${running.url}/account`);
    });

    it('answers unknown methods and paths as JSON, never a page', async () => {
      const { browser } = await person();
      const bearer = await consoleToken(browser);
      const put = await call('PUT', '/apps', { bearer });
      expect(put.status).to.equal(405);
      expect(put.json.error).to.equal('invalid_request');
      const missing = await call('GET', '/nothing-here', { bearer });
      expect(missing.status).to.equal(404);
      expect(missing.headers.get('content-type')).to.match(/application\/json/);
    });
  });
}
