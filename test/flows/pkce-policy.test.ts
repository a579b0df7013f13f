// The per-client PKCE policy (provider/pkce-policy.ts): a confidential client registered with
// pkce=optional signs in without PKCE when its OpenID request carries a nonce (RFC 9700 §2.1.1),
// and the consent page says so; without a nonce, or without openid, PKCE is still required; PKCE
// sent anyway is still checked; a public client can never make PKCE optional.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, PASSWORD, REDIRECT_URI } from '../support/oidc.ts';
import { expectOAuthError, rpBrowser } from '../support/flows.ts';

describe('per-client PKCE policy', () => {
  let running: Running;
  const lines: string[] = [];
  before(async () => {
    running = await startLatchkey({ logs: { write: (line: string) => void lines.push(line) } });
  });
  after(() => running.stop());

  /** Walks a request through the pages, returning the consent page's HTML and the callback. */
  async function walk(config: oidc.Configuration, email: string, params: Record<string, string>) {
    const browser = rpBrowser();
    let page = await browser.get(oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, ...params }).href);
    if (page.doc.querySelector('#password')) page = await browser.submit(page, { Email: email, Password: PASSWORD }, 'Sign in');
    const consent = page.html;
    if (consent.includes('name="decision"')) page = await browser.submit(page, {}, 'Allow');
    expect(page.url.startsWith(REDIRECT_URI), `expected a redirect to the client, got ${page.status} ${page.url}`).to.equal(true);
    return { consent, callback: new URL(page.url) };
  }

  it('lets a confidential client with pkce=optional sign in without PKCE when it sends a nonce, and the consent page notes it', async () => {
    const user = await addUser(running);
    const { clientId, secret } = await addClient(running, { pkce: 'optional' });
    const config = await discover(running, clientId, secret);
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const { consent, callback } = await walk(config, user.email, { scope: 'openid email profile', state, nonce });
    expect(consent).to.match(/signs in without PKCE/);
    expect(callback.searchParams.get('error')).to.equal(null);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce });
    expect(tokens.claims()!.sub).to.equal(user.sub);
    expect(tokens.claims()!.nonce).to.equal(nonce);
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === 'consent.without_pkce');
    expect(logged.map((line) => line.clientId)).to.deep.equal([clientId]);
  });

  it('still requires PKCE from that client when the request has no nonce, or is not an OpenID request', async () => {
    const user = await addUser(running);
    const { clientId, secret } = await addClient(running, { pkce: 'optional' });
    const config = await discover(running, clientId, secret);
    for (const params of [{ scope: 'openid email' }, { scope: 'email' }]) {
      const { callback } = await walk(config, user.email, { ...params, state: oidc.randomState() });
      expect(callback.searchParams.get('error'), JSON.stringify(params)).to.equal('invalid_request');
      expect(callback.searchParams.get('error_description')).to.match(/PKCE/);
      expect(callback.searchParams.has('code')).to.equal(false);
    }
  });

  it('checks PKCE the client sends anyway, and shows no note then', async () => {
    const user = await addUser(running);
    const { clientId, secret } = await addClient(running, { pkce: 'optional' });
    const config = await discover(running, clientId, secret);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const { consent, callback } = await walk(config, user.email, {
      scope: 'openid',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    expect(consent).to.not.match(/without PKCE/);
    expect(lines.filter((line) => line.includes('consent.without_pkce') && line.includes(clientId))).to.deep.equal([]);
    await expectOAuthError(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: state, expectedNonce: nonce }), 'invalid_grant');
  });

  it('keeps PKCE required for a client registered without a policy, even with a nonce', async () => {
    const user = await addUser(running);
    const { clientId, secret } = await addClient(running);
    const config = await discover(running, clientId, secret);
    const { callback } = await walk(config, user.email, { scope: 'openid', state: oidc.randomState(), nonce: oidc.randomNonce() });
    expect(callback.searchParams.get('error')).to.equal('invalid_request');
  });

  it('refuses pkce=optional for a public client, and a policy that is not one', async () => {
    for (const metadata of [{ public: true, pkce: 'optional' }, { pkce: 'sometimes' }]) {
      let caught: unknown;
      try {
        await addClient(running, metadata);
      } catch (error) {
        caught = error;
      }
      expect((caught as { error_description?: string }).error_description, JSON.stringify(metadata)).to.match(/^pkce/);
    }
  });
});
