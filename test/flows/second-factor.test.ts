// Second factors over real HTTP (openid-client, the pages as a browser posts them): a person
// sets up an authenticator app from the account console (the otpauth:// URI read from the page,
// the QR code checked to be that URI's), signs in with a code (amr and acr in the ID token), a
// code is never accepted twice, a recovery code works once, acr_values and require_mfa ask for a
// second factor (and tell a person without one what to do), a browser signed in by password alone
// steps up with the code only, and wrong codes have their own budgets, never the password's.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import QRCode from 'qrcode';
import { ACR_MFA, ACR_PASSWORD } from '../../config/authentication.ts';
import { PERIOD_SECONDS, totpCode } from '../../server/mfa/totp.ts';
import type { Browser, Page } from '../support/browser.ts';
import { openConsole, press, textOf } from '../support/account.ts';
import { rpBrowser, sleep } from '../support/flows.ts';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { waitFor } from '../support/wait.ts';
import { cliAt } from '../support/cli.ts';
import { addClient, addUser, discover, PASSWORD, REDIRECT_URI } from '../support/oidc.ts';

const CODE_FIELD = 'Code from your authenticator app';
const STEP_MS = PERIOD_SECONDS * 1000;

/** Codes are computed, then typed: never so close to the end of a 30 s step that it turns over between. */
async function awayFromStepEdge() {
  const into = Date.now() % STEP_MS;
  if (into > STEP_MS - 4000) await sleep(STEP_MS - into + 200);
}
const codeAt = (secret: string, offsetSteps: number) => totpCode(secret, Date.now() + offsetSteps * STEP_MS);

interface Enrolled {
  email: string;
  sub: string;
  secret: string;
  recoveryCodes: string[];
  /** The browser that enrolled: signed in to Latchkey (by password alone when it signed in). */
  browser: Browser;
}

async function enrol(running: Running): Promise<Enrolled> {
  await awayFromStepEdge();
  const user = await addUser(running);
  const browser = rpBrowser();
  let page = await openConsole(running, browser, '/account/security/totp', { email: user.email });
  expect(page.url, textOf(page)).to.equal(`${running.url}/account/security/totp`);
  const uri = page.doc.querySelector('#totp-uri')!.text.trim();
  const secret = new URL(uri).searchParams.get('secret')!;
  // The QR code is an image of exactly that URI, drawn on the server (no script).
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  expect(page.doc.querySelector('#totp-qr')!.getAttribute('src')).to.equal(`data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`);
  // A wrong first code turns nothing on.
  page = await browser.submit(page, { '3. Type the six digits the app now shows': '000000' === codeAt(secret, -1) ? '111111' : '000000' }, 'Turn on');
  expect(page.status).to.equal(400);
  expect(textOf(page)).to.include('That code is not right');
  page = await browser.submit(page, { '3. Type the six digits the app now shows': codeAt(secret, -1) }, 'Turn on');
  const recoveryCodes = page.doc.querySelectorAll('#recovery-codes li').map((li) => li.text.trim());
  expect(recoveryCodes, textOf(page)).to.have.length(10);
  return { email: user.email, sub: user.sub, secret, recoveryCodes, browser };
}

for (const store of STORES) describe(`second factors (${store} store)`, function () {
  this.timeout(60_000);
  let running: Running;
  let config: oidc.Configuration;
  before(async () => {
    running = await startLatchkey({ store });
    const { clientId, secret } = await addClient(running);
    config = await discover(running, clientId, secret);
  });
  after(() => running.stop());

  /** The audit events of an account, once they are in the trail (it writes in the background). */
  async function eventsOf(sub: string, type: string, count = 1) {
    return waitFor(
      async () => (await running.latchkey.audit.search({ account: sub, limit: 200 })).events.map((e) => e.event as { type: string; reason?: string }).filter((e) => e.type === type),
      (found) => found.length >= count,
      { what: `${count} ${type} events` },
    );
  }

  async function start(cfg: oidc.Configuration, browser: Browser, extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(cfg, { redirect_uri: REDIRECT_URI, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce, ...extra });
    const page = await browser.get(url.href);
    return { page, checks: { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce } };
  }
  async function finish(cfg: oidc.Configuration, browser: Browser, page: Page, checks: oidc.AuthorizationCodeGrantChecks) {
    if (page.html.includes('name="decision"')) page = await browser.submit(page, {}, 'Allow');
    expect(page.url.startsWith(REDIRECT_URI), `expected the client, got ${page.status} ${page.url}: ${textOf(page).slice(0, 300)}`).to.equal(true);
    return oidc.authorizationCodeGrant(cfg, new URL(page.url), checks);
  }
  /** Password, then the second-factor page with `code`. */
  async function signIn(who: { email: string }, code: string, cfg = config, extra: Record<string, string> = {}) {
    const browser = rpBrowser();
    const { page: login, checks } = await start(cfg, browser, extra);
    const second = await browser.submit(login, { Email: who.email, Password: PASSWORD }, 'Sign in');
    expect(second.doc.querySelector('#code'), textOf(second).slice(0, 300)).to.not.equal(null);
    const page = await browser.submit(second, { [CODE_FIELD]: code }, 'Continue');
    return { browser, page, checks, done: () => finish(cfg, browser, page, checks) };
  }

  it('sets up an authenticator app from the console and signs in with its code: amr pwd+otp+mfa, the mfa acr', async () => {
    const person = await enrol(running);
    const { done } = await signIn(person, codeAt(person.secret, 0));
    const claims = (await done()).claims()!;
    expect(claims.sub).to.equal(person.sub);
    expect(claims.amr).to.deep.equal(['pwd', 'otp', 'mfa']);
    expect(claims.acr).to.equal(ACR_MFA);
    for (const type of ['mfa.enrolled', 'mfa.recovery_codes_generated', 'signin.succeeded']) await eventsOf(person.sub, type);
    const activity = await running.latchkey.activity.recent(person.sub, 10);
    expect(activity.map((a) => a.text)).to.include('You set up an authenticator app as a second factor');
  });

  it('a password-only sign-in carries amr pwd and the password acr', async () => {
    const user = await addUser(running);
    const browser = rpBrowser();
    const { page, checks } = await start(config, browser);
    const claims = (await finish(config, browser, await browser.submit(page, { Email: user.email, Password: PASSWORD }, 'Sign in'), checks)).claims()!;
    expect(claims.amr).to.deep.equal(['pwd']);
    expect(claims.acr).to.equal(ACR_PASSWORD);
    const discovery = (await (await fetch(`${running.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.acr_values_supported).to.deep.equal([ACR_PASSWORD, ACR_MFA]);
    expect(discovery.claims_supported).to.include.members(['acr', 'amr']);
  });

  it('never accepts a code twice, even within its window; the next step’s code works', async () => {
    const person = await enrol(running);
    const code = codeAt(person.secret, 0);
    await (await signIn(person, code)).done();
    const replay = await signIn(person, code);
    expect(replay.page.status).to.equal(401);
    expect(textOf(replay.page)).to.include('That code was used already');
    await (await signIn(person, codeAt(person.secret, 1))).done();
  });

  it('takes each recovery code once, with amr pwd+mfa; new codes void the old ones', async () => {
    const person = await enrol(running);
    const [first, second] = person.recoveryCodes as [string, string];
    const claims = (await (await signIn(person, first.toUpperCase())).done()).claims()!;
    expect(claims.amr).to.deep.equal(['pwd', 'mfa']);
    expect(claims.acr).to.equal(ACR_MFA);
    const again = await signIn(person, first);
    expect(again.page.status).to.equal(401);
    expect(textOf(again.page)).to.include('That code is not right');
    // Regenerated from the console (a fresh sign-in: password and a code), the old ones stop working.
    let page = await openConsole(running, person.browser, '/account/security');
    page = await press(person.browser, page, 'Make new recovery codes');
    if (page.doc.querySelector('#password')) page = await person.browser.submit(page, { Email: person.email, Password: PASSWORD }, 'Sign in');
    if (page.doc.querySelector('#code')) page = await person.browser.submit(page, { [CODE_FIELD]: codeAt(person.secret, 0) }, 'Continue');
    if (page.url.endsWith('/account/security')) page = await press(person.browser, page, 'Make new recovery codes');
    const fresh = page.doc.querySelectorAll('#recovery-codes li').map((li) => li.text.trim());
    expect(fresh, textOf(page).slice(0, 300)).to.have.length(10);
    const old = await signIn(person, second);
    expect(old.page.status).to.equal(401);
    await (await signIn(person, fresh[0]!)).done();
    expect(await eventsOf(person.sub, 'mfa.recovery_codes_generated', 2)).to.have.length(2);
  });

  it('acr_values asking for the mfa acr: a person without a factor is told, in words, to set one up in the console', async () => {
    const user = await addUser(running);
    const browser = rpBrowser();
    const { page } = await start(config, browser, { acr_values: ACR_MFA });
    const after = await browser.submit(page, { Email: user.email, Password: PASSWORD }, 'Sign in');
    expect(after.status).to.equal(403);
    expect(textOf(after)).to.include('Set up a second factor first');
    expect(after.doc.querySelector('a[href="/account/security"]')).to.not.equal(null);
    expect(browser.cookies(new URL(running.url).host).has('_session')).to.equal(false);
  });

  it('a browser signed in by password alone steps up with the code only, once acr_values asks for it', async () => {
    const person = await enrol(running);
    // person.browser signed in to the console by password before the app was set up.
    const { page, checks } = await start(config, person.browser, { acr_values: ACR_MFA });
    expect(page.doc.querySelector('#password')).to.equal(null);
    expect(page.doc.querySelector('#code'), textOf(page).slice(0, 300)).to.not.equal(null);
    const claims = (await finish(config, person.browser, await person.browser.submit(page, { [CODE_FIELD]: codeAt(person.secret, 0) }, 'Continue'), checks)).claims()!;
    expect(claims.acr).to.equal(ACR_MFA);
    // Now the session has given a second factor: asked again, it signs straight in.
    const again = await start(config, person.browser, { acr_values: ACR_MFA });
    expect((await finish(config, person.browser, again.page, again.checks)).claims()!.acr).to.equal(ACR_MFA);
  });

  it('a require_mfa client needs a second factor of everyone; other clients do not', async () => {
    const { clientId, secret } = await addClient(running, { require_mfa: true } as never);
    const strict = await discover(running, clientId, secret);
    const user = await addUser(running);
    const browser = rpBrowser();
    const { page } = await start(strict, browser);
    const after = await browser.submit(page, { Email: user.email, Password: PASSWORD }, 'Sign in');
    expect(after.status).to.equal(403);
    expect(textOf(after)).to.include('Test App asks everyone signing in to it');
    const person = await enrol(running);
    expect((await (await signIn(person, codeAt(person.secret, 0), strict)).done()).claims()!.amr).to.include('otp');
  });

  it('counts wrong codes apart from the password: a locked-out code leaves recovery codes and the password budget untouched', async () => {
    const person = await enrol(running);
    const browser = rpBrowser();
    const { page: login } = await start(config, browser);
    let page = await browser.submit(login, { Email: person.email, Password: PASSWORD }, 'Sign in');
    const wrong = codeAt(person.secret, 0) === '123456' ? '654321' : '123456';
    for (let i = 0; i < 5; i++) {
      page = await browser.submit(page, { [CODE_FIELD]: wrong }, 'Continue');
      expect(page.status).to.equal(401);
    }
    page = await browser.submit(page, { [CODE_FIELD]: codeAt(person.secret, 0) }, 'Continue');
    expect(page.status).to.equal(429);
    expect(textOf(page)).to.match(/Too many wrong codes\. Wait \d+ (minutes?|seconds?) and try again, or use one of your recovery codes/);
    expect(page.headers.get('retry-after')).to.match(/^\d+$/);
    // The recovery codes have their own budget: one still signs in, on this very page.
    page = await browser.submit(page, { [CODE_FIELD]: person.recoveryCodes[0]! }, 'Continue');
    expect(page.url.startsWith(REDIRECT_URI) || page.html.includes('name="decision"'), textOf(page).slice(0, 300)).to.equal(true);
    // And the password's budget is whole: five wrong passwords now are answered at once, never 429.
    const other = rpBrowser();
    for (let i = 0; i < 5; i++) {
      const { page: form } = await start(config, other);
      const started = Date.now();
      const answer = await other.submit(form, { Email: person.email, Password: 'not the password' }, 'Sign in');
      expect(answer.status).to.equal(401);
      expect(Date.now() - started).to.be.below(900);
    }
    const failed = await eventsOf(person.sub, 'signin.second_factor_failed', 6);
    expect(failed.map((e) => e.reason)).to.include.members(['wrong', 'throttled']);
  });

  it('answers a forged or garbled passkey assertion with a 400 and words, never a 500, and signs nothing in', async () => {
    const browser = rpBrowser();
    const { page } = await start(config, browser);
    const uid = new URL(page.url).pathname.split('/')[2]!;
    const csrf = page.doc.querySelector('input[name="_csrf"]')!.getAttribute('value')!;
    const options = await browser.request('GET', `${running.url}/interaction/${uid}/passkey/options`);
    expect(options.status).to.equal(200);
    expect(((await options.json()) as { challenge?: string }).challenge).to.be.a('string');
    for (const response of [undefined, {}, { id: 'x'.repeat(5000) }, { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' } }]) {
      const answer = await fetch(`${running.url}/interaction/${uid}/passkey`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: [...browser.cookies(new URL(running.url).host)].map(([k, v]) => `${k}=${v}`).join('; ') },
        body: JSON.stringify({ _csrf: csrf, response }),
      });
      expect(answer.status, JSON.stringify(response)).to.equal(400);
      expect(((await answer.json()) as { error: string }).error).to.equal('That passkey was not accepted. Try again, or sign in another way.');
    }
  });

  it('support staff reset the second factors of a person who lost them all (latchkey users reset-mfa): password alone again, and the person is told', async () => {
    const person = await enrol(running);
    const run = await cliAt(running.url, ['users', 'reset-mfa', '--email', person.email]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.equal(`removed the second factors of ${person.email}: they sign in with their password alone until they set up a new one\n`);
    expect((await cliAt(running.url, ['users', 'reset-mfa', '--email', person.email])).stdout).to.equal(`${person.email} had no second factor\n`);
    const browser = rpBrowser();
    const { page: login, checks } = await start(config, browser);
    expect((await finish(config, browser, await browser.submit(login, { Email: person.email, Password: PASSWORD }, 'Sign in'), checks)).claims()!.amr).to.deep.equal(['pwd']);
    await eventsOf(person.sub, 'mfa.reset');
    expect((await running.latchkey.activity.recent(person.sub, 10)).map((a) => a.text)).to.include('An administrator removed your second factors and recovery codes');
  });

  it('removing the app from the console (after a fresh sign-in) turns the second step off', async () => {
    const person = await enrol(running);
    let page = await openConsole(running, person.browser, '/account/security');
    page = await press(person.browser, page, 'Remove the authenticator app');
    if (page.url.endsWith('/account/security') && textOf(page).includes('Remove the authenticator app')) page = await press(person.browser, page, 'Remove the authenticator app');
    expect(textOf(page)).to.include('Your authenticator app is removed');
    const browser = rpBrowser();
    const { page: login, checks } = await start(config, browser);
    expect((await finish(config, browser, await browser.submit(login, { Email: person.email, Password: PASSWORD }, 'Sign in'), checks)).claims()!.amr).to.deep.equal(['pwd']);
    await eventsOf(person.sub, 'mfa.removed');
  });
});

describe('second factors with MFA_POLICY=required', function () {
  this.timeout(60_000);
  let running: Running;
  before(async () => {
    running = await startLatchkey({ env: { MFA_POLICY: 'required' } });
  });
  after(() => running.stop());

  it('tells a person without a factor to set one up, lets them into the console to do it, then signs them in with a code', async () => {
    const { clientId, secret } = await addClient(running);
    const config = await discover(running, clientId, secret);
    const user = await addUser(running);
    const browser = rpBrowser();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256', state: oidc.randomState() });
    const refused = await browser.submit(await browser.get(url.href), { Email: user.email, Password: PASSWORD }, 'Sign in');
    expect(refused.status).to.equal(403);
    expect(textOf(refused)).to.include('This service asks everyone to confirm who they are with a second factor');
    // The console lets them in with the password, to set one up.
    const page = await openConsole(running, browser, '/account/security', { email: user.email });
    expect(page.url).to.equal(`${running.url}/account/security`);
    expect(textOf(page)).to.include('Set up an authenticator app');
  });
});

describe('second factors with MFA_POLICY=adaptive', function () {
  this.timeout(60_000);
  let running: Running;
  before(async () => {
    running = await startLatchkey({ env: { MFA_POLICY: 'adaptive' } });
  });
  after(() => running.stop());

  it('signs a person with a factor in by password from a browser and place that fit their pattern, and asks for the code when the app does', async () => {
    const { clientId, secret } = await addClient(running);
    const config = await discover(running, clientId, secret);
    const person = await enrol(running);
    const authorize = async (extra: Record<string, string>) => {
      const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256', state: oidc.randomState(), prompt: 'login', ...extra });
      return person.browser.submit(await person.browser.get(url.href), { Email: person.email, Password: PASSWORD }, 'Sign in');
    };
    // The browser that enrolled, from the same address: the risk model finds nothing unusual.
    const fits = await authorize({});
    expect(fits.doc.querySelector('#code'), textOf(fits).slice(0, 300)).to.equal(null);
    expect(fits.url.startsWith(REDIRECT_URI) || fits.html.includes('name="decision"'), textOf(fits).slice(0, 300)).to.equal(true);
    // The app asks for a second factor: the code is asked whatever the risk.
    const asked = await authorize({ acr_values: ACR_MFA });
    expect(asked.doc.querySelector('#code'), textOf(asked).slice(0, 300)).to.not.equal(null);
  });
});
