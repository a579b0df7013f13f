// passport with openid-client's own strategy (openid-client/passport), pinned to RS256 the way
// such apps often are: discovery, sign-in through Latchkey's pages, the identity it sees
// (tokens.claims(), from the ID token), refresh, and RP-initiated logout back to the app.
import { expect } from 'chai';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import * as client from 'openid-client';
import { Strategy, type VerifyFunction } from 'openid-client/passport';
import { Browser } from '../support/browser.ts';
import type { Running } from '../support/latchkey.ts';
import { uniqueId } from '../support/oidc.ts';
import { addPerson, confirmLogout, json, latchkeySignedIn, PERSON, rpServer, startLatchkeyForRps, throughLatchkey, type RpServer } from './support.ts';

interface SignedIn {
  claims: Record<string, unknown>;
  idToken: string;
  refreshToken?: string;
}

describe('interop: passport + openid-client/passport', () => {
  let running: Running;
  let rp: RpServer;
  let clientId: string;
  let config: client.Configuration;
  before(async () => {
    running = await startLatchkeyForRps();
    rp = await rpServer();
    const added = await running.latchkey.clients.add({
      client_id: uniqueId('passport'),
      client_name: 'Passport app',
      redirect_uris: [`${rp.url}/callback`],
      post_logout_redirect_uris: [`${rp.url}/`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
    clientId = added.client.clientId;
    // The recipe: discovery, and ID tokens pinned to RS256 (Latchkey's default for this client).
    config = await client.discovery(new URL(running.url), clientId, { client_secret: added.secret!, id_token_signed_response_alg: 'RS256' }, undefined, {
      execute: [client.allowInsecureRequests],
    });
    const verify: VerifyFunction = (tokens, done) => {
      done(null, { claims: tokens.claims()!, idToken: tokens.id_token!, refreshToken: tokens.refresh_token } satisfies SignedIn);
    };
    passport.use('latchkey', new Strategy({ config, scope: 'openid email profile offline_access', callbackURL: `${rp.url}/callback` }, verify));
    passport.serializeUser((user, done) => done(null, user));
    passport.deserializeUser((user: Express.User, done) => done(null, user));

    const app = express();
    app.use(session({ secret: 'a-long-random-session-secret-for-the-test', resave: false, saveUninitialized: false }));
    app.use(passport.authenticate('session'));
    app.get('/login', passport.authenticate('latchkey'));
    app.get('/callback', passport.authenticate('latchkey', { successRedirect: '/me', failureRedirect: '/failed' }));
    app.get('/me', (req, res) => {
      const user = req.user as SignedIn | undefined;
      res.json({ claims: user?.claims ?? null, refreshToken: Boolean(user?.refreshToken) });
    });
    app.get('/refresh', async (req, res) => {
      const tokens = await client.refreshTokenGrant(config, (req.user as SignedIn).refreshToken!);
      res.json({ accessToken: Boolean(tokens.access_token), sub: tokens.claims()?.sub ?? null });
    });
    app.get('/logout', (req, res, next) => {
      const idToken = (req.user as SignedIn).idToken;
      req.logout((err) => {
        if (err) return next(err);
        res.redirect(client.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: `${rp.url}/` }).href);
      });
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

  it('signs in, sees email and name from the ID token, refreshes, and logs out of Latchkey too', async () => {
    const email = `${uniqueId('passport')}@example.test`;
    const person = await addPerson(running, email);
    const browser = new Browser();
    const { page, consent } = await throughLatchkey(browser, await browser.get(`${rp.url}/login`), email);
    expect(consent).to.include('Stay connected');
    const me = json(page);
    expect(me.claims).to.include({ sub: person.sub, email, email_verified: true, name: PERSON.name, family_name: PERSON.familyName });
    expect(me.refreshToken).to.equal(true);

    expect(json(await browser.get(`${rp.url}/refresh`))).to.deep.equal({ accessToken: true, sub: person.sub });

    expect(await latchkeySignedIn(browser, running, clientId, `${rp.url}/callback`)).to.equal(true);
    const signedOut = await confirmLogout(browser, await browser.get(`${rp.url}/logout`));
    expect(signedOut.url).to.equal(`${rp.url}/`);
    expect(json(await browser.get(`${rp.url}/me`)).claims).to.equal(null);
    expect(await latchkeySignedIn(browser, running, clientId, `${rp.url}/callback`)).to.equal(false);
  });
});
