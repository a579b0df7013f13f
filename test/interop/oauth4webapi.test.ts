// oauth4webapi (the low-level client under Auth.js and openid-client) with the features a modern
// RP turns on: a private_key_jwt client whose keys Latchkey fetches from its jwks_uri, pushed
// authorization requests (PAR), DPoP-bound tokens, and the device authorization grant. Sign-in
// goes through Latchkey's real pages; the identity is read from the validated ID token.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { exportJWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { Browser } from '../support/browser.ts';
import type { Running } from '../support/latchkey.ts';
import { uniqueId } from '../support/oidc.ts';
import { addPerson, confirmLogout, latchkeySignedIn, PERSON, startLatchkeyForRps, throughLatchkey } from './support.ts';

const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe('interop: oauth4webapi (private_key_jwt, PAR, DPoP, device flow)', () => {
  let running: Running;
  let jwksServer: Server;
  let as: oauth.AuthorizationServer;
  let client: oauth.Client;
  let clientAuth: oauth.ClientAuth;
  const redirectUri = 'http://127.0.0.1:9/callback'; // the browser stops there; nothing listens

  before(async () => {
    running = await startLatchkeyForRps();
    // The RP publishes its public key at a jwks_uri on loopback (OUTBOUND_PRIVATE_NETWORKS=allow).
    const keys = await oauth.generateKeyPair('ES256', { extractable: true });
    const kid = 'rp-key-1';
    const jwk = { ...(await exportJWK(keys.publicKey)), kid, alg: 'ES256', use: 'sig' };
    jwksServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
    // docs/relying-parties.md: latchkey clients add --auth-method private_key_jwt --jwks-uri …
    const { client: added } = await running.latchkey.clients.add({
      client_id: uniqueId('o4w'),
      client_name: 'oauth4webapi app',
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token', DEVICE_CODE],
      response_types: ['code'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: jwksUri,
    });
    const issuer = new URL(running.url);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    client = { client_id: added.clientId };
    clientAuth = oauth.PrivateKeyJwt({ key: keys.privateKey, kid });
  });
  after(async () => {
    jwksServer.closeAllConnections();
    await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
    await running.stop();
  });

  it('signs in with PAR and DPoP, sees email and name in the ID token, refreshes, calls userinfo, and logs out', async () => {
    const email = `${uniqueId('o4w')}@example.test`;
    const person = await addPerson(running, email);
    const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const pushed = await oauth.processPushedAuthorizationResponse(
      as,
      client,
      await oauth.pushedAuthorizationRequest(as, client, clientAuth, {
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: 'openid email profile offline_access',
        // A pushed request keeps the library's rule for offline_access: it says prompt=consent.
        prompt: 'consent',
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      }, { DPoP, ...insecure }),
    );
    const authorizationUrl = new URL(as.authorization_endpoint!);
    authorizationUrl.search = new URLSearchParams({ client_id: client.client_id, request_uri: pushed.request_uri }).toString();

    const browser = new Browser([new URL(redirectUri).origin]);
    const { page } = await throughLatchkey(browser, await browser.get(authorizationUrl.href), email);
    const params = oauth.validateAuthResponse(as, client, new URL(page.url), state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, verifier, { DPoP, ...insecure }),
      { expectedNonce: nonce, requireIdToken: true },
    );
    expect(tokens.token_type).to.equal('dpop');
    expect(oauth.getValidatedIdTokenClaims(tokens)).to.include({ sub: person.sub, email, email_verified: true, name: PERSON.name });

    const info = await oauth.processUserInfoResponse(as, client, person.sub, await oauth.userInfoRequest(as, client, tokens.access_token, { DPoP, ...insecure }));
    expect(info.email).to.equal(email);

    const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token!, { DPoP, ...insecure }));
    expect(refreshed.token_type).to.equal('dpop');
    expect(refreshed.refresh_token).to.be.a('string').and.not.equal(tokens.refresh_token);

    expect(await latchkeySignedIn(browser, running, client.client_id, redirectUri)).to.equal(true);
    const endSession = new URL(as.end_session_endpoint!);
    endSession.search = new URLSearchParams({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: redirectUri }).toString();
    const signedOut = await confirmLogout(browser, await browser.get(endSession.href));
    expect(signedOut.url).to.equal(redirectUri);
    expect(await latchkeySignedIn(browser, running, client.client_id, redirectUri)).to.equal(false);
  });

  it('runs the device flow: the person confirms the code on Latchkey, the device gets tokens with the identity', async () => {
    const email = `${uniqueId('o4w-device')}@example.test`;
    const person = await addPerson(running, email);
    const device = await oauth.processDeviceAuthorizationResponse(
      as,
      client,
      await oauth.deviceAuthorizationRequest(as, client, clientAuth, { scope: 'openid email profile offline_access' }, insecure),
    );
    const pending = await oauth.deviceCodeGrantRequest(as, client, clientAuth, device.device_code, insecure);
    let error: unknown;
    try {
      await oauth.processDeviceCodeResponse(as, client, pending);
    } catch (caught) {
      error = caught;
    }
    expect((error as oauth.ResponseBodyError).error).to.equal('authorization_pending');

    const browser = new Browser();
    // The link with the code in it: oidc-provider's self-submitting form (its script is allowed by
    // hash in the page's CSP) posts the code; this browser runs no script, so it presses submit.
    const link = await browser.get(device.verification_uri_complete!);
    expect(link.html).to.include('document.forms[0].submit()');
    expect(link.headers.get('content-security-policy')).to.match(/script-src 'self' 'sha256-[^']+'/);
    const confirm = await browser.submit(link, {});
    expect(confirm.doc.querySelector('.code')?.text.trim()).to.equal(device.user_code);
    const { page } = await throughLatchkey(browser, await browser.submit(confirm, {}, 'Continue'), email);
    expect(page.html).to.include('Device connected');

    const tokens = await oauth.processDeviceCodeResponse(as, client, await oauth.deviceCodeGrantRequest(as, client, clientAuth, device.device_code, insecure));
    expect(oauth.getValidatedIdTokenClaims(tokens)).to.include({ sub: person.sub, email, name: PERSON.name });
    expect(tokens.refresh_token).to.be.a('string');
  });
});
