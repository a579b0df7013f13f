// The example SPA (examples/spa, oidc-client-ts, a public client) in Chromium against a real
// Latchkey: sign-in with consent, the API called with a token meant for it, silent refresh, two
// tabs refreshing at the same moment, sign-out, consent denied, and CORS for the SPA's registered
// origin only.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import type { Page, Request, Route } from 'playwright-core';
import { Browser } from '../support/browser.ts';
import { walkAuthorization } from '../support/flows.ts';
import { discover } from '../support/oidc.ts';
import {
  addPerson,
  API_SCOPE,
  API_SCOPE_DESCRIPTION,
  checkPage,
  fillLogin,
  screenshot,
  SPA_CLIENT,
  startStack,
  useBrowsers,
  waitForHeading,
  type Stack,
} from './support.ts';

interface StoredUser {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
}

describe('example SPA in Chromium', function () {
  this.timeout(60_000);
  let stack: Stack;
  const browsers = useBrowsers();

  before(async () => {
    stack = await startStack();
  });
  after(() => stack?.stop());

  const storageKey = () => `oidc.user:${stack.latchkey.url}:${SPA_CLIENT}`;
  async function storedUser(page: Page): Promise<StoredUser> {
    const raw = await page.evaluate((key) => localStorage.getItem(key), storageKey());
    expect(raw, 'the SPA keeps its user in localStorage').to.be.a('string');
    return JSON.parse(raw!) as StoredUser;
  }

  async function openSpa(page: Page) {
    await page.goto(stack.spa.url);
    await page.locator('body[data-ready]').waitFor();
  }

  /** From the SPA's Sign in button through Latchkey's login and consent pages, back to the SPA. */
  async function signIn(page: Page, email: string, password: string, options: { decision?: 'Allow' | 'Deny'; shots?: string } = {}) {
    await openSpa(page);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitForHeading(page, 'Sign in');
    if (options.shots) await checkPage(page, `${options.shots}-1-login`);
    await fillLogin(page, email, password);
    await waitForHeading(page, /wants to access your account/);
    if (options.shots) await checkPage(page, `${options.shots}-2-consent`);
    await page.getByRole('button', { name: options.decision ?? 'Allow' }).click();
    await page.waitForURL(`${stack.spa.url}/`);
    await page.locator('body[data-ready]').waitFor();
  }

  async function callApi(page: Page) {
    await page.getByRole('button', { name: 'Call the API' }).click();
    await page.locator('#status', { hasText: /The API (accepted|refused)/ }).waitFor();
    const text = await page.locator('#api-result').innerText();
    const [statusLine, ...json] = text.split('\n');
    return { status: statusLine, body: JSON.parse(json.join('\n')) as Record<string, unknown> };
  }

  /** Presses Refresh and waits for its outcome: refreshed, or the session ended. */
  async function pressRefresh(page: Page) {
    await page.getByRole('button', { name: 'Refresh tokens now' }).click();
    await page.locator('#status:has-text("Tokens refreshed"), #error:not([hidden])').first().waitFor();
  }

  it('signs in with consent, shows the ID token claims, and calls the API with a JWT access token for it', async () => {
    const { page } = await browsers.launch();
    const { email, password } = await addPerson(stack.latchkey);
    await openSpa(page);
    await screenshot(page, 'spa-0-signed-out');

    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitForHeading(page, 'Sign in');
    expect(new URL(page.url()).origin, 'the login page is Latchkey’s').to.equal(stack.latchkey.url);
    await checkPage(page, 'spa-1-login');
    await fillLogin(page, email, password);

    await waitForHeading(page, /wants to access your account/);
    await checkPage(page, 'spa-2-consent');
    const spaHost = new URL(stack.spa.url).host;
    const consent = await page.locator('main').innerText();
    expect(consent, 'the consent page names the app’s host').to.include(spaHost);
    expect(consent).to.include('Example SPA');
    expect(consent, 'scopes in plain words').to.include('See your email address and whether it is verified');
    expect(consent).to.include('See your name and username');
    expect(consent).to.include('Stay connected when you are not using the app');
    expect(consent, 'the API, by name and identifier, with its scope in plain words').to.include(`Example API (${stack.api.url}): ${API_SCOPE_DESCRIPTION}`);
    expect(consent).to.include(email);

    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${stack.spa.url}/`);
    await waitForHeading(page, /^Signed in as Grace Hopper/);
    await screenshot(page, 'spa-3-signed-in');

    // Latchkey puts the claims of the granted scopes in the ID token (ID_TOKEN_CLAIMS=scopes).
    const claims = await page.locator('#claims').innerText();
    expect(claims).to.include('sub');
    expect(claims).to.include(stack.latchkey.url);
    expect(claims).to.include(email);
    const user = await storedUser(page);
    expect(user.refresh_token, 'offline_access with consent yields a refresh token').to.be.a('string');
    expect(user.access_token.split('.'), 'a JWT').to.have.length(3);
    expect(page.url(), 'the code and state are gone from the address bar').to.equal(`${stack.spa.url}/`);

    const api = await callApi(page);
    await screenshot(page, 'spa-4-api-called');
    expect(api.status).to.equal('HTTP 200');
    expect(api.body.client_id).to.equal(SPA_CLIENT);
    expect(api.body.sub).to.be.a('string').and.match(/\S/);
    expect(claims).to.include(String(api.body.sub));
    expect(api.body.scope).to.deep.equal([API_SCOPE]);
    expect(api.body.token_format).to.equal('jwt');
    expect(api.body.checked_by).to.equal('signature (JWKS)');
  });

  it('refreshes silently: a new access token and a rotated refresh token, without leaving the page', async () => {
    const { page } = await browsers.launch();
    const { email, password } = await addPerson(stack.latchkey);
    await signIn(page, email, password);
    const before = await storedUser(page);
    let navigations = 0;
    page.on('framenavigated', (frame) => frame === page.mainFrame() && navigations++);

    await pressRefresh(page);
    expect(await page.locator('#error').isHidden(), await page.locator('#error').innerText()).to.equal(true);
    expect(await page.locator('#status').innerText()).to.equal('Tokens refreshed (1 in this tab).');
    await screenshot(page, 'spa-5-refreshed');
    const after = await storedUser(page);
    expect(after.access_token).to.be.a('string').and.not.equal(before.access_token);
    expect(after.refresh_token, 'the refresh token rotated').to.be.a('string').and.not.equal(before.refresh_token);
    expect(navigations, 'no redirect, no reload').to.equal(0);

    const api = await callApi(page);
    expect(api.status).to.equal('HTTP 200');
    const direct = await fetch(`${stack.api.url}/api/hello`, { headers: { authorization: `Bearer ${after.access_token}` } });
    expect(direct.status, 'the stored, new access token is good at the API').to.equal(200);
  });

  // Needs Latchkey's refresh-token reuse grace window (REFRESH_TOKEN_REUSE_GRACE_SECONDS, set to
  // 10 by startStack): without it the second refresh is taken for a replay and the grant revoked.
  it('keeps two tabs signed in when both refresh with the same refresh token at the same moment', async () => {
    const { context, page: first } = await browsers.launch();
    const { email, password } = await addPerson(stack.latchkey);
    await signIn(first, email, password);
    const second = await context.newPage();
    await openSpa(second);
    await waitForHeading(second, /^Signed in as/);
    const shared = await storedUser(first);

    // Hold every refresh at the network until both tabs have sent theirs: the two requests are
    // then in flight together, each carrying the refresh token both tabs read from storage.
    const tokenUrl = `${stack.latchkey.url}/token`;
    const held: Route[] = [];
    const sent: string[] = [];
    let release!: () => void;
    const bothSent = new Promise<void>((resolve) => (release = resolve));
    await context.route(tokenUrl, async (route: Route, request: Request) => {
      if (request.method() !== 'POST') return route.continue();
      sent.push(new URLSearchParams(request.postData() ?? '').get('refresh_token') ?? '');
      held.push(route);
      if (held.length === 2) release();
      await bothSent;
      await route.continue();
    });
    const statuses: number[] = [];
    context.on('response', (response) => {
      if (response.url() === tokenUrl && response.request().method() === 'POST') statuses.push(response.status());
    });

    await Promise.all([pressRefresh(first), pressRefresh(second)]);
    await context.unroute(tokenUrl);
    await screenshot(first, 'spa-6-two-tabs-first');
    await screenshot(second, 'spa-6-two-tabs-second');

    expect(sent, 'both tabs sent the one shared refresh token').to.deep.equal([shared.refresh_token, shared.refresh_token]);
    expect(statuses, 'Latchkey answered both refreshes with tokens').to.deep.equal([200, 200]);
    for (const tab of [first, second]) {
      expect(await tab.locator('#error').isHidden(), `no tab was signed out: ${await tab.locator('#error').innerText()}`).to.equal(true);
      expect(await tab.locator('#status').innerText()).to.equal('Tokens refreshed (1 in this tab).');
      expect((await callApi(tab)).status).to.equal('HTTP 200');
    }

    // The grant is intact: the next refresh, from either tab, works.
    await pressRefresh(second);
    expect(await second.locator('#error').isHidden(), await second.locator('#error').innerText()).to.equal(true);
    expect(await second.locator('#status').innerText()).to.equal('Tokens refreshed (2 in this tab).');
    expect((await storedUser(first)).refresh_token).to.not.equal(shared.refresh_token);
  });

  it('signs out through Latchkey: refresh token revoked, Latchkey’s session ended, the app signed out', async () => {
    const { page } = await browsers.launch();
    const { email, password } = await addPerson(stack.latchkey);
    await signIn(page, email, password);
    const tokens = await storedUser(page);
    const revocations: number[] = [];
    page.on('response', (response) => {
      if (response.url() === `${stack.latchkey.url}/token/revocation`) revocations.push(response.status());
    });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await waitForHeading(page, 'Sign out?');
    await checkPage(page, 'spa-7-logout');
    expect(await page.locator('main').innerText()).to.include('Example SPA');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${stack.spa.url}/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'spa-8-signed-out');

    expect(revocations, 'the refresh token was revoked from the browser').to.deep.equal([200]);
    const refresh = await fetch(`${stack.latchkey.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: SPA_CLIENT, refresh_token: tokens.refresh_token! }),
    });
    expect(refresh.status, 'the revoked refresh token no longer works').to.equal(400);
    expect(((await refresh.json()) as { error: string }).error).to.equal('invalid_grant');
    // The access token is a JWT the API checks offline: as the README says, it stays good until
    // it expires.
    const api = await fetch(`${stack.api.url}/api/hello`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(api.status).to.equal(200);
    expect(await page.evaluate((key) => localStorage.getItem(key), storageKey())).to.equal(null);

    // Latchkey's session is over too: signing in again asks for the password.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitForHeading(page, 'Sign in');
    expect(await page.getByLabel('Password').isVisible()).to.equal(true);
  });

  it('tells the person the app got access_denied when they deny consent', async () => {
    const { page } = await browsers.launch();
    const { email, password } = await addPerson(stack.latchkey);
    await signIn(page, email, password, { decision: 'Deny' });
    const alert = page.getByRole('alert');
    await alert.waitFor();
    await screenshot(page, 'spa-9-access-denied');
    expect(await alert.innerText()).to.include('access_denied');
    expect(await page.getByRole('button', { name: 'Sign in' }).isVisible(), 'a way to try again').to.equal(true);
    expect(await page.evaluate((key) => localStorage.getItem(key), storageKey()), 'no tokens').to.equal(null);
  });

  describe('CORS', () => {
    /** fetch() from inside a page: the status, or the error the browser raised instead. */
    function fetchFrom(page: Page, url: string, init: { method?: string; headers?: Record<string, string>; body?: string }) {
      return page.evaluate(
        async ({ url, init }) => {
          try {
            const response = await fetch(url, init);
            return { status: response.status, body: await response.text() };
          } catch (error) {
            return { blocked: String(error) };
          }
        },
        { url, init },
      );
    }

    /**
     * A userinfo access token (no audience) of the SPA's client, got outside the page: the SPA's
     * own access token is for the API, and userinfo answers an unknown token to any origin (it
     * knows no client to check the origin against), so only a good one shows the CORS rule.
     */
    async function userinfoToken(email: string, password: string): Promise<string> {
      const config = await discover(stack.latchkey, SPA_CLIENT);
      const redirect_uri = `${stack.spa.url}/callback`;
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(config, { redirect_uri, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
      const page = await walkAuthorization(new Browser([stack.spa.url]), url, email, password);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), { pkceCodeVerifier: verifier, expectedState: state });
      return tokens.access_token;
    }

    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    // A header outside the CORS safelist makes the browser send a preflight first.
    const preflighted = { ...form, 'x-requested-with': 'fetch' };

    it('lets the SPA’s registered origin call the token, userinfo and revocation endpoints, preflighted or not', async () => {
      const { page } = await browsers.launch();
      const { email, password } = await addPerson(stack.latchkey);
      await signIn(page, email, password);
      const access_token = await userinfoToken(email, password);
      const url = stack.latchkey.url;

      const token = await fetchFrom(page, `${url}/token`, { method: 'POST', headers: preflighted, body: `grant_type=refresh_token&client_id=${SPA_CLIENT}&refresh_token=not-a-real-token` });
      expect(token, 'the token endpoint’s answer is readable').to.include({ status: 400 });
      expect(JSON.parse((token as { body: string }).body).error).to.equal('invalid_grant');

      const userinfo = await fetchFrom(page, `${url}/me`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(userinfo).to.include({ status: 200 });
      expect(JSON.parse((userinfo as { body: string }).body).email).to.equal(email);

      const revocation = await fetchFrom(page, `${url}/token/revocation`, { method: 'POST', headers: preflighted, body: `client_id=${SPA_CLIENT}&token=not-a-real-token` });
      expect(revocation).to.include({ status: 200 });
    });

    it('answers preflights from the SPA’s origin with that origin, the method and the requested headers', async () => {
      for (const [path, method] of [['/token', 'POST'], ['/me', 'GET'], ['/token/revocation', 'POST']] as const) {
        const response = await fetch(`${stack.latchkey.url}${path}`, {
          method: 'OPTIONS',
          headers: { origin: stack.spa.url, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,dpop' },
        });
        expect(response.status, path).to.equal(204);
        expect(response.headers.get('access-control-allow-origin'), path).to.equal(stack.spa.url);
        expect(response.headers.get('access-control-allow-methods'), path).to.include(method);
        expect(response.headers.get('access-control-allow-headers'), path).to.match(/authorization/i);
      }
    });

    it('refuses every other origin, even with the SPA’s client_id and valid access tokens', async () => {
      const { page } = await browsers.launch();
      const { email, password } = await addPerson(stack.latchkey);
      await signIn(page, email, password);
      const { access_token } = await storedUser(page);
      const userinfoAccess = await userinfoToken(email, password);
      await page.goto(stack.elsewhere.url);
      const url = stack.latchkey.url;

      for (const headers of [form, preflighted]) {
        const token = await fetchFrom(page, `${url}/token`, { method: 'POST', headers, body: `grant_type=refresh_token&client_id=${SPA_CLIENT}&refresh_token=x` });
        expect(token, 'token endpoint').to.have.property('blocked').that.match(/Failed to fetch/);
        const revocation = await fetchFrom(page, `${url}/token/revocation`, { method: 'POST', headers, body: `client_id=${SPA_CLIENT}&token=x` });
        expect(revocation, 'revocation endpoint').to.have.property('blocked').that.match(/Failed to fetch/);
      }
      const userinfo = await fetchFrom(page, `${url}/me`, { headers: { authorization: `Bearer ${userinfoAccess}` } });
      expect(userinfo, 'userinfo endpoint').to.have.property('blocked').that.match(/Failed to fetch/);
      const api = await fetchFrom(page, `${stack.api.url}/api/hello`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(api, 'the example API allows the SPA’s origin only').to.have.property('blocked').that.match(/Failed to fetch/);
    });
  });
});
