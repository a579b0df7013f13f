// Apache with Debian's mod_auth_openidc (an OpenID Certified relying party), configured by the
// recipe in docs/relying-parties.md: discovery, sign-in through Latchkey's pages with PKCE, the
// identity the app sees (the module's OIDC_CLAIM_* variables, from the ID token and userinfo), a
// refresh through the module's info hook, and RP-initiated logout back to the site; and, with the
// module's default of no PKCE, sign-in with a client whose PKCE policy is optional.
import { expect } from 'chai';
import { Browser } from '../support/browser.ts';
import type { Running } from '../support/latchkey.ts';
import { uniqueId } from '../support/oidc.ts';
import { apacheUrl, startApache, type Apache } from './apache.ts';
import { addPerson, confirmLogout, latchkeySignedIn, PERSON, startLatchkeyForRps, throughLatchkey } from './support.ts';

// The module sends to the provider only what looks like a browser; anything else gets a 401.
const ACCEPT = { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' };

/** A person's browser, as the module recognises one. */
function browserForApache(): Browser {
  const browser = new Browser();
  browser.headers = { ...ACCEPT };
  return browser;
}

/** The CGI's lines, NAME=value. */
const variables = (text: string) => Object.fromEntries(text.trim().split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));

describe('interop: Apache mod_auth_openidc', function () {
  this.timeout(60_000);
  let running: Running;
  const started: Apache[] = [];
  before(async () => {
    running = await startLatchkeyForRps();
  });
  after(async () => {
    for (const apache of started) await apache.stop();
    await running.stop();
  });

  async function site(pkce?: 'optional') {
    const { port, url, redirectUri } = await apacheUrl();
    const { client, secret } = await running.latchkey.clients.add({
      client_id: uniqueId('apache'),
      client_name: 'Apache site',
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [`${url}/loggedout.html`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...(pkce ? { pkce } : {}),
    });
    const apache = await startApache({ issuer: running.url, clientId: client.clientId, clientSecret: secret!, port, pkce: pkce === undefined });
    started.push(apache);
    return { apache, clientId: client.clientId };
  }

  it('signs in with PKCE, sees email and name, refreshes, and logs out of Latchkey too', async () => {
    const { apache, clientId } = await site();
    const email = `${uniqueId('apache')}@example.test`;
    const person = await addPerson(running, email);
    const browser = browserForApache();
    const { page, consent } = await throughLatchkey(browser, await browser.get(`${apache.url}/protected/whoami`), email);
    expect(consent).to.include('Stay connected');
    expect(page.url, await apache.errors()).to.equal(`${apache.url}/protected/whoami`);
    expect(variables(page.html)).to.include({ REMOTE_USER: email, OIDC_CLAIM_sub: person.sub, OIDC_CLAIM_email: email, OIDC_CLAIM_name: PERSON.name, OIDC_CLAIM_email_verified: '1' });

    // The info hook refreshes an access token older than the interval asked for.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const info = JSON.parse((await browser.get(`${apache.redirectUri}?info=json&access_token_refresh_interval=1`)).html) as { userinfo?: { email?: string } };
    expect(info.userinfo?.email).to.equal(email);
    await running.latchkey.audit.flush();
    const { events } = await running.latchkey.audit.search({ client: clientId, type: 'token.refreshed', limit: 5 });
    expect(events, await apache.errors()).to.have.length(1);

    expect(await latchkeySignedIn(browser, running, clientId, apache.redirectUri)).to.equal(true);
    const logout = await browser.get(`${apache.redirectUri}?logout=${encodeURIComponent(`${apache.url}/loggedout.html`)}`);
    const signedOut = await confirmLogout(browser, logout);
    expect(signedOut.url).to.equal(`${apache.url}/loggedout.html`);
    expect(await latchkeySignedIn(browser, running, clientId, apache.redirectUri)).to.equal(false);
  });

  it("signs in with the module's default (no PKCE) when the client's PKCE policy is optional", async () => {
    const { apache } = await site('optional');
    const email = `${uniqueId('apache')}@example.test`;
    await addPerson(running, email);
    // The recipe's site without OIDCPKCEMethod: the module's own default sends no PKCE.
    const start = await fetch(`${apache.url}/protected/whoami`, { redirect: 'manual', headers: ACCEPT });
    const authorization = new URL(start.headers.get('location')!);
    expect(authorization.origin).to.equal(running.url);
    expect(authorization.searchParams.has('code_challenge')).to.equal(false);
    expect(authorization.searchParams.has('nonce')).to.equal(true);
    const browser = browserForApache();
    const { page } = await throughLatchkey(browser, await browser.get(`${apache.url}/protected/whoami`), email);
    expect(variables(page.html)).to.include({ REMOTE_USER: email });
  });
});
