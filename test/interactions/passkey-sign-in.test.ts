// Passkey sign-in over real HTTP, with a software authenticator (test/support/authenticator.ts)
// that registers through the account console and signs real ES256 assertions: a passkey alone
// signs in and is learnt by the risk model; an assertion not accepted (bad signature, unknown
// credential, used or foreign challenge, another origin) is a failed sign-in, audited with why
// for operators only, counted in the metrics and shown to the owner; a passkey alone spends the
// login form's budgets (shared with the password, never the owner's known browser), and one given
// as the second step the second factor's own.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { ACR_MFA } from '../../config/authentication.ts';
import { personView, type AuditEvent } from '../../server/audit/catalogue.ts';
import { riskHistoryStore } from '../../server/risk/store.ts';
import { csrfOf, openConsole, textOf } from '../support/account.ts';
import { SoftwareAuthenticator } from '../support/authenticator.ts';
import { Browser, type Page } from '../support/browser.ts';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, PASSWORD, REDIRECT_URI } from '../support/oidc.ts';
import { waitFor } from '../support/wait.ts';

const NOT_ACCEPTED = 'That passkey was not accepted. Try again, or sign in another way.';
const METRICS_TOKEN = 'metrics-token-for-the-passkey-tests-0123456789';

type Event = AuditEvent & { reason?: string; passkeyFailure?: string; via?: string; factor?: string; account?: string };

for (const store of STORES) describe(`passkey sign-in (${store} store)`, function () {
  this.timeout(60_000);
  let running: Running;
  let config: oidc.Configuration;
  const logLines: string[] = [];
  before(async () => {
    const logs = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    running = await startLatchkey({ store, env: { TRUST_PROXY: 'true', METRICS_TOKEN }, logs });
    const { clientId, secret } = await addClient(running, { client_name: 'Notes' });
    config = await discover(running, clientId, secret);
  });
  after(() => running.stop());

  let lastOctet = 0;
  /** A fresh address in a network of its own: no counter but the account's is shared. */
  const freshAddress = () => `198.${40 + Math.floor(++lastOctet / 250)}.${lastOctet % 250}.9`;
  const browserAt = (ip = freshAddress()) => {
    const browser = new Browser([new URL(REDIRECT_URI).origin]);
    browser.headers = { 'x-forwarded-for': ip };
    return browser;
  };

  /** A person who signed in to the console by password and added a passkey there. */
  async function enrolled() {
    const user = await addUser(running);
    const browser = browserAt();
    const page = await openConsole(running, browser, '/account/security/passkeys/new', { email: user.email });
    expect(page.url, textOf(page).slice(0, 300)).to.equal(`${running.url}/account/security/passkeys/new`);
    const options = await browser.json('GET', `${running.url}/account/security/passkeys/options`);
    expect(options.status).to.equal(200);
    const authenticator = new SoftwareAuthenticator(new URL(running.url).origin);
    const added = await browser.json('POST', `${running.url}/account/security/passkeys`, { _csrf: csrfOf(page), response: authenticator.register(options.body as never), name: 'Laptop' });
    expect(added.status, JSON.stringify(added.body)).to.equal(200);
    return { ...user, browser, authenticator };
  }

  /** The login page of a new authorization request, and what its script posts with. */
  async function loginPage(browser: Browser, extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, ...extra });
    const page = await browser.get(url.href);
    const uid = new URL(page.url).pathname.split('/')[2]!;
    return { page, uid, csrf: csrfOf(page), checks: { pkceCodeVerifier: verifier, expectedState: state } };
  }

  type Forge = Parameters<SoftwareAuthenticator['assert']>[1];
  /** What the page's script does: a challenge, the authenticator's assertion, the POST. */
  async function usePasskey(browser: Browser, at: { uid: string; csrf: string }, authenticator: SoftwareAuthenticator, forge: Forge = {}) {
    const options = await browser.json('GET', `${running.url}/interaction/${at.uid}/passkey/options`);
    expect(options.status).to.equal(200);
    const response = authenticator.assert(options.body as never, forge);
    return browser.json('POST', `${running.url}/interaction/${at.uid}/passkey`, { _csrf: at.csrf, response });
  }

  async function finish(browser: Browser, location: string, checks: oidc.AuthorizationCodeGrantChecks) {
    let page: Page = await browser.get(location);
    if (page.html.includes('name="decision"')) page = await browser.submit(page, {}, 'Allow');
    expect(page.url.startsWith(REDIRECT_URI), `${page.status} ${page.url}: ${textOf(page).slice(0, 300)}`).to.equal(true);
    return oidc.authorizationCodeGrant(config, new URL(page.url), checks);
  }

  async function eventsOf(sub: string, type: string, count: number): Promise<Event[]> {
    return waitFor(
      async () => (await running.latchkey.audit.search({ account: sub, type, limit: 200 })).events.map((e) => e.event as Event),
      (found) => found.length >= count,
      { what: `${count} ${type} events` },
    );
  }
  const activityOf = async (sub: string) => (await running.latchkey.activity.recent(sub, 100)).map((a) => a.text);
  const statusesOf = (answers: { status: number }[]) => answers.map((a) => a.status);

  it('signs in with a passkey alone (amr swk, mfa), and the risk model learns it as it does a sign-in finished by a second factor', async () => {
    const person = await enrolled();
    const risk = riskHistoryStore(running.latchkey.store.risk, running.latchkey.store.feeds);
    const before = (await risk.getHistory(person.sub)).n;
    expect(before, 'the console sign-in by password was learnt').to.be.above(0);
    const browser = browserAt();
    const login = await loginPage(browser);
    const answer = await usePasskey(browser, login, person.authenticator);
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    const tokens = await finish(browser, answer.body.location as string, login.checks);
    expect(tokens.claims()!.amr).to.deep.equal(['swk', 'mfa']);
    expect((await risk.getHistory(person.sub)).n).to.equal(before + 1);
    const [succeeded] = await eventsOf(person.sub, 'signin.succeeded', 2);
    expect((succeeded as { amr?: string[] }).amr).to.deep.equal(['swk', 'mfa']);
  });

  it('answers a passkey not accepted with words, audits why for operators only, counts it, and tells the owner', async () => {
    const person = await enrolled();
    const browser = browserAt();
    const login = await loginPage(browser);
    const answers = [
      await usePasskey(browser, login, person.authenticator, { badSignature: true }),
      await usePasskey(browser, login, person.authenticator, { origin: 'https://latchkey.phish.example' }),
      await usePasskey(browser, login, person.authenticator, { challenge: randomBytes(32).toString('base64url') }),
    ];
    // A challenge used once is used up: the right assertion over it is refused too.
    const options = await browser.json('GET', `${running.url}/interaction/${login.uid}/passkey/options`);
    const post = (response: unknown) => browser.json('POST', `${running.url}/interaction/${login.uid}/passkey`, { _csrf: login.csrf, response });
    answers.push(await post(person.authenticator.assert(options.body as never, { badSignature: true })));
    answers.push(await post(person.authenticator.assert(options.body as never)));
    // A credential no account has.
    const stranger = new SoftwareAuthenticator(new URL(running.url).origin);
    stranger.register({ rp: { id: new URL(running.url).hostname, name: 'x' }, user: { id: 'bm9ib2R5', name: 'nobody', displayName: '' }, challenge: 'AAAA', pubKeyCredParams: [] });
    answers.push(await usePasskey(browser, login, stranger));
    expect(statusesOf(answers)).to.deep.equal([400, 400, 400, 400, 400, 400]);
    expect(answers.every((a) => a.body.error === NOT_ACCEPTED)).to.equal(true);

    const failed = await eventsOf(person.sub, 'signin.failed', 5);
    expect(failed.map((e) => e.passkeyFailure).sort()).to.deep.equal(['bad_signature', 'bad_signature', 'no_challenge', 'wrong_challenge', 'wrong_origin']);
    expect(failed.every((e) => e.reason === 'passkey_rejected' && e.via === 'passkey')).to.equal(true);
    // The person may see their own failures, never why (nor the login's hash).
    expect(Object.keys(personView(failed[0]!)!)).to.not.include.members(['reason', 'passkeyFailure', 'loginHash']);
    const unknown = await waitFor(
      async () => (await running.latchkey.audit.search({ type: 'signin.failed', limit: 200 })).events.map((e) => e.event as Event).filter((e) => e.passkeyFailure === 'unknown_credential'),
      (found) => found.length >= 1,
      { what: 'a credential no account has, audited too' },
    );
    expect(unknown.every((e) => e.account === undefined && e.reason === 'passkey_rejected')).to.equal(true);
    expect(running.latchkey.audit.counts.refused, 'every event fits the catalogue').to.equal(0);
    // One log line per attempt, as the login form's: the account by sub, never its email nor a credential id.
    const lines = logLines.map((l) => JSON.parse(l) as { event?: string; via?: string; outcome?: string; sub?: string; passkeyFailure?: string });
    const mine = lines.filter((l) => l.event === 'signin' && l.via === 'passkey' && l.sub === person.sub);
    expect(mine.map((l) => l.passkeyFailure).sort()).to.deep.equal(['bad_signature', 'bad_signature', 'no_challenge', 'wrong_challenge', 'wrong_origin']);
    expect(mine.every((l) => l.outcome === 'passkey_rejected')).to.equal(true);
    for (const secret of [person.email, person.authenticator.credentials[0]!.id, stranger.credentials[0]!.id]) expect(logLines.some((l) => l.includes(secret)), 'nothing logs an email or a credential id').to.equal(false);

    const texts = await waitFor(() => activityOf(person.sub), (t) => t.filter((x) => x === 'A sign-in to Notes with one of your passkeys was not accepted').length >= 5, { what: 'five failures in the activity' });
    expect(texts).to.not.include('A sign-in to Notes failed: wrong password, or the account is disabled');
    await running.latchkey.audit.flush();
    const metrics = await (await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const counted = /^latchkey_signins_total\{outcome="passkey_rejected"\} (\d+)/m.exec(metrics);
    expect(Number(counted?.[1]), 'latchkey_signins_total{outcome="passkey_rejected"}').to.be.at.least(6);
  });

  it('spends the login form’s budgets per account and address, shared with the password: 429, Retry-After and words past them', async () => {
    const person = await enrolled();
    const browser = browserAt();
    const login = await loginPage(browser);
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await usePasskey(browser, login, person.authenticator, { badSignature: true }));
    // Five free failures for one account from one address, then a 1 s cooldown served inside the request.
    expect(statusesOf(answers)).to.deep.equal([400, 400, 400, 400, 400, 400, 400, 429]);
    const refused = answers[7]!;
    expect(refused.headers.get('retry-after')).to.equal('2');
    expect(refused.body.error).to.match(/^Too many attempts to sign in\. Wait 2 seconds and try again\./);
    // The password form at the same account from the same address is held by the same counters.
    const form = await browser.submit((await loginPage(browser)).page, { Email: person.email, Password: 'not the password' }, 'Sign in');
    expect(form.status).to.equal(429);
    const throttled = await eventsOf(person.sub, 'signin.failed', 8);
    expect(throttled.some((e) => e.reason === 'throttled' && e.via === 'passkey')).to.equal(true);
  });

  it('holds a passkey alone at the account for strangers, never the owner on a browser that signed in before', async () => {
    const person = await enrolled();
    const host = new URL(running.url).host;
    // The console sign-in made the owner's browser a known one; its session is over.
    person.browser.keepOnly(host, ['latchkey-device', 'latchkey-device.sig']);
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) {
      const stranger = browserAt();
      statuses.push((await usePasskey(stranger, await loginPage(stranger), person.authenticator, { badSignature: true })).status);
    }
    expect(statuses.slice(0, 12).every((s) => s === 400), statuses.join(',')).to.equal(true);
    expect(statuses.slice(12)).to.deep.equal([429, 429]);
    // On a new browser the right passkey waits like the right password does ...
    const newBrowser = browserAt();
    const held = await usePasskey(newBrowser, await loginPage(newBrowser), person.authenticator);
    expect(held.status).to.equal(429);
    // ... and on the owner's own browser it signs in at the first try.
    const own = await loginPage(person.browser);
    const answer = await usePasskey(person.browser, own, person.authenticator);
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    expect((await finish(person.browser, answer.body.location as string, own.checks)).claims()!.amr).to.deep.equal(['swk', 'mfa']);
  });

  it('counts a passkey given as the second step apart from the password: audited, throttled past its budget, told to the owner', async () => {
    const person = await enrolled();
    const browser = browserAt();
    const login = await loginPage(browser, { acr_values: ACR_MFA });
    const second = await browser.submit(login.page, { Email: person.email, Password: PASSWORD }, 'Sign in');
    expect(second.html, textOf(second).slice(0, 300)).to.include('/passkey/options');
    const at = { uid: login.uid, csrf: csrfOf(second) };
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await usePasskey(browser, at, person.authenticator, { badSignature: true }));
    expect(statusesOf(answers)).to.deep.equal([400, 400, 400, 400, 400, 429]);
    expect(answers[5]!.headers.get('retry-after')).to.match(/^\d+$/);
    expect(answers[5]!.body.error).to.match(/^Too many passkeys were not accepted\. Wait \d+ (minutes?|seconds?) and try again/);
    const failed = await eventsOf(person.sub, 'signin.second_factor_failed', 6);
    expect(failed.every((e) => e.factor === 'passkey')).to.equal(true);
    expect(failed.map((e) => e.reason).sort()).to.deep.equal(['throttled', 'wrong', 'wrong', 'wrong', 'wrong', 'wrong']);
    expect(failed.filter((e) => e.reason === 'wrong').every((e) => e.passkeyFailure === 'bad_signature')).to.equal(true);
    await waitFor(() => activityOf(person.sub), (t) => t.includes('A sign-in to Notes gave your password but a passkey that was not accepted'), { what: 'the failure in the activity' });
    // The password's budget is whole: a wrong password from here is a plain 401.
    const other = browserAt(browser.headers['x-forwarded-for']);
    const form = await other.submit((await loginPage(other)).page, { Email: person.email, Password: 'not the password' }, 'Sign in');
    expect(form.status).to.equal(401);
  });
});
