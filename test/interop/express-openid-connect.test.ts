// express-openid-connect (Auth0's Express middleware, openid-client inside) as docs/relying-parties.md
// configures it: discovery, sign-in through Latchkey's pages, the identity it sees (req.oidc.user,
// from the ID token), refresh, RP-initiated logout back to the app, and back-channel logout when
// the person signs out at Latchkey.
import { expect } from 'chai';
import express from 'express';
import { auth } from 'express-openid-connect';
import { Browser } from '../support/browser.ts';
import type { Running } from '../support/latchkey.ts';
import { uniqueId } from '../support/oidc.ts';
import { waitFor } from '../support/wait.ts';
import { addPerson, confirmLogout, json, latchkeySignedIn, PERSON, rpServer, startLatchkeyForRps, throughLatchkey, type RpServer } from './support.ts';

describe('interop: express-openid-connect', () => {
  let running: Running;
  let rp: RpServer;
  let clientId: string;
  // The app's record of back-channel logouts (its session store would do, in production).
  const loggedOut = new Set<string>();
  before(async () => {
    running = await startLatchkeyForRps();
    rp = await rpServer();
    // docs/relying-parties.md: latchkey clients add --id … --redirect-uri $BASE/callback --post-logout-redirect-uri $BASE
    // (the library sends baseURL itself as post_logout_redirect_uri, without a trailing slash).
    const { client, secret } = await running.latchkey.clients.add({
      client_id: uniqueId('eoc'),
      client_name: 'Express app',
      redirect_uris: [`${rp.url}/callback`],
      post_logout_redirect_uris: [rp.url],
      backchannel_logout_uri: `${rp.url}/backchannel-logout`,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
    clientId = client.clientId;
    const app = express();
    app.use(
      auth({
        issuerBaseURL: running.url,
        baseURL: rp.url,
        clientID: clientId,
        clientSecret: secret!,
        secret: 'a-long-random-cookie-secret-for-the-test-app',
        authRequired: false,
        idpLogout: true,
        // Latchkey serves the code flow only (the library's default is the implicit id_token flow).
        authorizationParams: { response_type: 'code', scope: 'openid email profile offline_access' },
        // POST /backchannel-logout verifies Latchkey's logout token (RS256, like the ID token).
        backchannelLogout: {
          onLogin: false,
          // As the library's default hooks do: a token naming a sid ends that session, one naming
          // only a sub (Latchkey's unless the client requires sids) every session of that person.
          onLogoutToken: async (token: { sid?: string; sub?: string }) => {
            for (const id of [token.sid, token.sub]) if (id) loggedOut.add(id);
          },
          isLoggedOut: async (req: { oidc: { idTokenClaims?: { sid?: string; sub?: string } } }) =>
            [req.oidc.idTokenClaims?.sid, req.oidc.idTokenClaims?.sub].some((id) => id !== undefined && loggedOut.has(id)),
        },
      }),
    );
    app.get('/me', (req, res) => {
      res.json({ user: req.oidc.user ?? null, refreshToken: Boolean(req.oidc.refreshToken) });
    });
    app.get('/refresh', async (req, res) => {
      const before = req.oidc.accessToken!.access_token;
      const refreshed = await req.oidc.accessToken!.refresh();
      res.json({ changed: refreshed.access_token !== before, expired: refreshed.isExpired() });
    });
    rp.serve(app);
  });
  after(async () => {
    await rp.close();
    await running.stop();
  });

  it('signs in, sees email and name from the ID token, refreshes, and logs out of Latchkey too', async () => {
    const email = `${uniqueId('eoc')}@example.test`;
    const person = await addPerson(running, email);
    const browser = new Browser();
    const { page, consent } = await throughLatchkey(browser, await browser.get(`${rp.url}/login`), email);
    expect(consent, 'the consent page names offline access').to.include('Stay connected');
    expect(page.url, page.html.slice(0, 500)).to.equal(`${rp.url}/`);

    const me = json(await browser.get(`${rp.url}/me`));
    expect(me.user).to.include({ sub: person.sub, email, email_verified: true, name: PERSON.name, given_name: PERSON.givenName });
    expect(me.refreshToken, 'a refresh token without prompt=consent').to.equal(true);

    expect(json(await browser.get(`${rp.url}/refresh`))).to.deep.equal({ changed: true, expired: false });

    expect(await latchkeySignedIn(browser, running, clientId, `${rp.url}/callback`), 'signed in to Latchkey before logout').to.equal(true);
    const signedOut = await confirmLogout(browser, await browser.get(`${rp.url}/logout`));
    expect(signedOut.url).to.equal(`${rp.url}/`);
    expect(json(await browser.get(`${rp.url}/me`)).user).to.equal(null);
    expect(await latchkeySignedIn(browser, running, clientId, `${rp.url}/callback`)).to.equal(false);
  });

  it('forgets the person when they sign out at Latchkey itself (back-channel logout)', async () => {
    const email = `${uniqueId('eoc-bc')}@example.test`;
    await addPerson(running, email);
    const browser = new Browser();
    await throughLatchkey(browser, await browser.get(`${rp.url}/login`), email);
    expect((json(await browser.get(`${rp.url}/me`)).user as { email?: string }).email).to.equal(email);

    // Signing out on Latchkey's own logout page, not through the app.
    const signedOut = await confirmLogout(browser, await browser.get(`${running.url}/session/end`));
    expect(signedOut.html).to.include('signed out');
    await waitFor(async () => json(await browser.get(`${rp.url}/me`)).user, (user) => user === null, { what: 'the app dropping the session' });
  });
});
