// Auth.js (@auth/express, oauth4webapi inside) with Latchkey as a generic OIDC provider, as
// docs/relying-parties.md configures it: discovery, sign-in through Latchkey's pages, the identity
// it sees (session.user, from the ID token), a refresh in its jwt callback, and sign-out that ends
// the Latchkey session too (RP-initiated logout through Auth.js's redirect callback).
import { expect } from 'chai';
import express from 'express';
import { ExpressAuth, getSession, type ExpressAuthConfig } from '@auth/express';
import { Browser } from '../support/browser.ts';
import type { Running } from '../support/latchkey.ts';
import { uniqueId } from '../support/oidc.ts';
import { addPerson, confirmLogout, json, latchkeySignedIn, PERSON, rpServer, startLatchkeyForRps, throughLatchkey, type RpServer } from './support.ts';

describe('interop: Auth.js (@auth/express)', () => {
  let running: Running;
  let rp: RpServer;
  let clientId: string;
  let refreshes = 0;
  before(async () => {
    running = await startLatchkeyForRps();
    rp = await rpServer();
    const added = await running.latchkey.clients.add({
      client_id: uniqueId('authjs'),
      client_name: 'Auth.js app',
      redirect_uris: [`${rp.url}/auth/callback/latchkey`],
      post_logout_redirect_uris: [`${rp.url}/`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
    clientId = added.client.clientId;
    const secret = added.secret!;
    const endSession = `${running.url}/session/end`;
    const config: ExpressAuthConfig = {
      secret: 'a-long-random-auth-secret-for-the-test-app-0123',
      trustHost: true,
      providers: [
        {
          id: 'latchkey',
          name: 'Latchkey',
          type: 'oidc',
          issuer: running.url,
          clientId,
          clientSecret: secret,
          authorization: { params: { scope: 'openid email profile offline_access' } },
        },
      ],
      callbacks: {
        // Keep the tokens in Auth.js's encrypted session cookie; refresh when the app asks.
        async jwt({ token, account, trigger }) {
          if (account) return { ...token, idToken: account.id_token, refreshToken: account.refresh_token };
          if (trigger === 'update' && typeof token.refreshToken === 'string') {
            const response = await fetch(`${running.url}/token`, {
              method: 'POST',
              headers: { authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token.refreshToken }),
            });
            const body = (await response.json()) as { refresh_token?: string; id_token?: string; error?: string };
            if (!response.ok || !body.refresh_token) throw new Error(`refresh failed: ${body.error}`);
            refreshes++;
            return { ...token, refreshToken: body.refresh_token, idToken: body.id_token ?? token.idToken };
          }
          return token;
        },
        session({ session, token }) {
          return { ...session, hasRefreshToken: typeof token.refreshToken === 'string', idToken: token.idToken };
        },
        // Sign-out may continue to Latchkey's end-session endpoint (RP-initiated logout).
        redirect({ url, baseUrl }) {
          if (url.startsWith(`${endSession}?`) || url.startsWith(baseUrl)) return url;
          return baseUrl;
        },
      },
    };
    const app = express();
    app.set('trust proxy', true);
    app.use('/auth', ExpressAuth(config));
    app.get('/me', async (req, res) => {
      res.json((await getSession(req, config)) ?? {});
    });
    app.get('/logout-url', async (req, res) => {
      const session = (await getSession(req, config)) as { idToken?: string } | null;
      const url = new URL(endSession);
      url.search = new URLSearchParams({ id_token_hint: session!.idToken!, post_logout_redirect_uri: `${rp.url}/`, client_id: clientId }).toString();
      res.json({ url: url.href });
    });
    app.get('/', (_req, res) => {
      res.type('text').send('home');
    });
    rp.serve(app);
  });
  after(async () => {
    await rp.close();
    await running.stop();
  });

  const csrf = async (browser: Browser) => String(json(await browser.get(`${rp.url}/auth/csrf`)).csrfToken);

  it('signs in, sees email and name from the ID token, refreshes, and signs out of Latchkey too', async () => {
    const email = `${uniqueId('authjs')}@example.test`;
    await addPerson(running, email);
    const browser = new Browser();
    const start = await browser.navigate('POST', `${rp.url}/auth/signin/latchkey`, new URLSearchParams({ csrfToken: await csrf(browser), callbackUrl: `${rp.url}/me` }));
    const { page, consent } = await throughLatchkey(browser, start, email);
    expect(consent).to.include('Stay connected');
    expect(page.url).to.equal(`${rp.url}/me`);
    const session = json(page) as { user?: Record<string, unknown>; hasRefreshToken?: boolean };
    expect(session.user).to.include({ email, name: PERSON.name });
    expect(session.hasRefreshToken).to.equal(true);

    // useSession().update() in a browser app: POST /auth/session, the jwt callback's trigger "update".
    const before = refreshes;
    const updated = await browser.navigate('POST', `${rp.url}/auth/session`, new URLSearchParams({ csrfToken: await csrf(browser), data: '{}' }));
    expect(updated.status).to.equal(200);
    expect(refreshes).to.equal(before + 1);
    expect((json(await browser.get(`${rp.url}/me`)) as { user?: { email?: string } }).user?.email).to.equal(email);

    expect(await latchkeySignedIn(browser, running, clientId, `${rp.url}/auth/callback/latchkey`)).to.equal(true);
    const endSessionUrl = String(json(await browser.get(`${rp.url}/logout-url`)).url);
    const logoutPage = await browser.navigate('POST', `${rp.url}/auth/signout`, new URLSearchParams({ csrfToken: await csrf(browser), callbackUrl: endSessionUrl }));
    const signedOut = await confirmLogout(browser, logoutPage);
    expect(signedOut.url).to.equal(`${rp.url}/`);
    expect(json(await browser.get(`${rp.url}/me`))).to.deep.equal({});
    expect(await latchkeySignedIn(browser, running, clientId, `${rp.url}/auth/callback/latchkey`)).to.equal(false);
  });
});
