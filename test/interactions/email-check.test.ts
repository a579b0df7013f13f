// The email check, end to end: a sign-in the risk model finds unusual ("require": a crafted
// history at home in Hesse, then a sign-in from Rio two hours later, the address given through
// X-Forwarded-For with TRUST_PROXY), on an account without a second factor, is asked for a code
// mailed to the account through a real SMTP server (real Redis, real HTTP, openid-client). The
// code signs in once (amr pwd, the password's acr), five wrong tries void it, a new one can be
// sent; without mail the sign-in is let in as before.
import { expect } from 'chai';
import { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { ACR_PASSWORD } from '../../config/authentication.ts';
import type { AuditEvent } from '../../server/audit/catalogue.ts';
import { sharedGeo } from '../../server/geo/shared.ts';
import { parseUserAgent } from '../../server/http/user-agent.ts';
import { emptyHistory, record } from '../../server/risk/history.ts';
import { riskHistoryStore } from '../../server/risk/store.ts';
import type { RiskHistory } from '../../server/risk/types.ts';
import { createPseudonyms } from '../../server/security/pseudonyms.ts';
import { textOf } from '../support/account.ts';
import { Browser, type Page } from '../support/browser.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { withMail } from '../support/mail-rig.ts';
import { addClient, addUser, discover, PASSWORD, REDIRECT_URI } from '../support/oidc.ts';
import { waitFor } from '../support/wait.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
/** Seligenstadt, Hesse; Deutsche Telekom. */
const HOME = '87.128.10.20';
/** Rio de Janeiro. */
const RIO = '200.147.67.142';
const CODE = 'Code from the email';
const SUBJECT = 'Your code to sign in';
const ENV = { TRUST_PROXY: 'true', RISK_DENY_THRESHOLD: '10.5' };

/** The sign-in pages and a crafted owner, over one running Latchkey. */
function rig(running: () => Running) {
  let config: oidc.Configuration;
  before(async () => {
    const { clientId, secret } = await addClient(running(), { client_name: 'Notes' });
    config = await discover(running(), clientId, secret);
  });

  function browserAt(ip: string, browser = new Browser([new URL(REDIRECT_URI).origin])): Browser {
    browser.headers['x-forwarded-for'] = ip;
    browser.headers['user-agent'] = FIREFOX_WINDOWS;
    return browser;
  }

  /** The password typed; the page after it, and the checks to finish the sign-in with. */
  async function password(browser: Browser, email: string) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce, prompt: 'login' });
    const login = await browser.get(url.href);
    const page = await browser.submit(login, { Email: email, Password: PASSWORD }, 'Sign in');
    return { page, checks: { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce } };
  }

  /** The app's tokens, once the pages led back to it. */
  async function finish(browser: Browser, page: Page, checks: oidc.AuthorizationCodeGrantChecks) {
    if (page.html.includes('name="decision"')) page = await browser.submit(page, {}, 'Allow');
    expect(page.url.startsWith(REDIRECT_URI), `expected the app, got ${page.status} ${page.url}: ${textOf(page).slice(0, 300)}`).to.equal(true);
    return oidc.authorizationCodeGrant(config, new URL(page.url), checks);
  }

  /** A person whose browser signed in once from home, given 60 days of sign-ins from home, the last two hours ago. */
  async function owner() {
    const user = await addUser(running());
    const browser = browserAt(HOME);
    const first = await password(browser, user.email);
    await finish(browser, first.page, first.checks);
    const cookieId = browser.cookies(new URL(running().url).host).get('latchkey-device')!.split('.')[0]!;
    const deviceId = createPseudonyms(running().config.cookieSecrets)('risk-device', cookieId).slice(0, 22);
    const geo = (await sharedGeo()).lookup(HOME)!;
    const userAgent = parseUserAgent(FIREFOX_WINDOWS);
    const last = Date.now() - 2 * HOUR;
    let history: RiskHistory = emptyHistory();
    for (let day = 60; day >= 0; day--) {
      for (const at of [last - day * DAY - 2 * HOUR, last - day * DAY]) history = record(history, { at, ip: HOME, geo, userAgent, deviceId }, { via: 'password', deviceId });
    }
    await riskHistoryStore(running().latchkey.store.risk, running().latchkey.store.feeds).putHistory(user.sub, history);
    return user;
  }

  async function auditEvents(sub: string, type: string): Promise<AuditEvent[]> {
    await running().latchkey.audit.flush();
    return (await running().latchkey.audit.search({ account: sub, type, limit: 100 })).events.map((e) => e.event);
  }

  return { browserAt, password, finish, owner, auditEvents };
}

describe('the email check of an unusual sign-in without a second factor (redis store, real SMTP)', function () {
  this.timeout(60_000);
  const mail = withMail(ENV, () => ({ store: 'redis' }));
  const { browserAt, password, finish, owner, auditEvents } = rig(() => mail.running);

  const codeIn = (text: string) => /Your code to sign in: (\d{6})/.exec(text)?.[1];
  async function mailedCode(email: string, count = 1): Promise<string> {
    const received = await mail.smtp.waitFor(email, { count, subject: SUBJECT });
    return codeIn(received.text)!;
  }

  it('asks for a code mailed to the account, and the code signs in: amr pwd, the password acr, the check in the audit event', async () => {
    const user = await owner();
    const browser = browserAt(RIO);
    const { page, checks } = await password(browser, user.email);
    expect(page.status).to.equal(200);
    expect(page.doc.querySelector('#code'), textOf(page).slice(0, 300)).to.not.equal(null);
    expect(textOf(page)).to.include('Check your email');
    const received = await mail.smtp.waitFor(user.email, { subject: SUBJECT });
    const code = codeIn(received.text);
    expect(code, received.text).to.match(/^\d{6}$/);
    // Says who is signing in to what, from where, and what to do if it was not them.
    expect(received.text).to.include('to use Notes').and.include('Brazil').and.include('Firefox').and.include('If this was not you');
    expect(received.html).to.include(code!).and.include('Brazil');
    // Never kept in the clear: neither the mail stream's job nor the code's record holds it.
    const redis = new Redis(mail.running.redis!.url, { maxRetriesPerRequest: 1 });
    try {
      const [streamKey] = await redis.keys('*stream:{mail}');
      const jobs = (await redis.xrange(streamKey!, '-', '+')).map(([, fields]) => fields.join(' '));
      expect(jobs.some((j) => j.includes('signin-code'))).to.equal(true);
      expect(jobs.join('\n')).to.not.include(code!);
      const [recordKey] = await redis.keys('*EmailCode:*');
      expect(JSON.stringify(await redis.hgetall(recordKey!))).to.not.include(code!);
    } finally {
      redis.disconnect();
    }
    const tokens = await finish(browser, await browser.submit(page, { [CODE]: code! }, 'Continue'), checks);
    const claims = tokens.claims()!;
    expect(claims.amr).to.deep.equal(['pwd']);
    expect(claims.acr).to.equal(ACR_PASSWORD);
    const events = await waitFor(() => auditEvents(user.sub, 'signin.succeeded'), (found) => found.some((e) => (e as { emailCheck?: boolean }).emailCheck === true), { what: 'the sign-in event with the email check' });
    const event = events.find((e) => (e as { emailCheck?: boolean }).emailCheck) as { amr: string[]; risk?: { decision: string } };
    expect(event.amr).to.deep.equal(['pwd']);
    // The verdict goes with it: the person's "this was me / this wasn't me" names the sign-in by it.
    expect(event.risk?.decision).to.equal('require');
  });

  it('takes a code once: of two submissions of it at once, one signs in', async () => {
    const user = await owner();
    const browser = browserAt(RIO);
    const { page } = await password(browser, user.email);
    const code = await mailedCode(user.email);
    const pages = await Promise.all([browser.submit(page, { [CODE]: code }, 'Continue'), browser.submit(page, { [CODE]: code }, 'Continue')]);
    const through = pages.filter((p) => p.url.startsWith(REDIRECT_URI) || p.html.includes('name="decision"'));
    expect(through, pages.map((p) => `${p.status} ${textOf(p).slice(0, 120)}`).join('\n')).to.have.length(1);
    expect(pages.find((p) => !through.includes(p))!.status).to.be.oneOf([400, 401]);
  });

  it('voids a code after five wrong tries; a new code can be sent and signs in', async () => {
    const user = await owner();
    const browser = browserAt(RIO);
    let { page } = await password(browser, user.email);
    const code = await mailedCode(user.email);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 5; i++) {
      page = await browser.submit(page, { [CODE]: wrong }, 'Continue');
      expect(page.status, textOf(page).slice(0, 200)).to.equal(401);
      expect(textOf(page)).to.include('That code is not right');
    }
    // Void now, even the right code.
    page = await browser.submit(page, { [CODE]: code }, 'Continue');
    expect(page.status).to.equal(401);
    expect(textOf(page)).to.include('no longer works');
    const failed = await waitFor(() => auditEvents(user.sub, 'signin.second_factor_failed'), (found) => found.length >= 6, { what: 'six failed email checks' });
    expect(failed.every((e) => (e as { factor?: string }).factor === 'email')).to.equal(true);
    page = await browser.submit(page, {}, 'Send a new code');
    expect(page.status).to.equal(200);
    const fresh = await mailedCode(user.email, 2);
    page = await browser.submit(page, { [CODE]: fresh }, 'Continue');
    if (page.html.includes('name="decision"')) page = await browser.submit(page, {}, 'Allow');
    expect(page.url.startsWith(REDIRECT_URI), textOf(page).slice(0, 300)).to.equal(true);
  });

  it('throttles wrong codes (apart from the password) and new codes: 429 with Retry-After', async () => {
    const user = await owner();
    const browser = browserAt(RIO);
    let { page } = await password(browser, user.email);
    const code = await mailedCode(user.email);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    // Ten wrong tries over two codes: the email check's own budget for this account and address.
    for (let i = 0; i < 10; i++) {
      if (i === 5) page = await browser.submit(page, {}, 'Send a new code');
      page = await browser.submit(page, { [CODE]: wrong }, 'Continue');
      expect(page.status).to.equal(401);
    }
    page = await browser.submit(page, {}, 'Send a new code');
    const third = await mailedCode(user.email, 3);
    page = await browser.submit(page, { [CODE]: third }, 'Continue');
    expect(page.status).to.equal(429);
    expect(Number(page.headers.get('retry-after'))).to.be.above(0);
    expect(textOf(page)).to.include('Too many wrong codes');
    const throttled = await waitFor(() => auditEvents(user.sub, 'signin.second_factor_failed'), (found) => found.some((e) => (e as { reason?: string }).reason === 'throttled'), { what: 'a throttled email check' });
    expect(throttled.find((e) => (e as { reason?: string }).reason === 'throttled')).to.include({ factor: 'email' });
    // Five codes an hour to one address: the sixth is refused, and nothing is sent.
    for (let sent = 3; sent < 5; sent++) expect((await browser.submit(page, {}, 'Send a new code')).status).to.equal(200);
    page = await browser.submit(page, {}, 'Send a new code');
    expect(page.status).to.equal(429);
    expect(Number(page.headers.get('retry-after'))).to.be.above(0);
    expect(textOf(page)).to.include('We sent you several codes already');
    await mail.smtp.waitFor(user.email, { count: 5, subject: SUBJECT });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mail.smtp.to(user.email).filter((m) => m.subject === SUBJECT)).to.have.length(5);
    // The password's budget is untouched: a sign-in from home goes straight in.
    const home = await password(browserAt(HOME), user.email);
    expect(home.page.status, textOf(home.page).slice(0, 200)).to.not.equal(429);
  });

  it('takes a code only from the browser that gave the password', async () => {
    const user = await owner();
    const browser = browserAt(RIO);
    const { page } = await password(browser, user.email);
    const code = await mailedCode(user.email);
    const action = page.doc.querySelector('form')!.getAttribute('action')!;
    const response = await fetch(new URL(action, page.url), { method: 'POST', body: new URLSearchParams({ code }), headers: { 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
    expect(response.status).to.be.oneOf([400, 403]);
    expect(mail.smtp.to(user.email).filter((m) => m.subject === SUBJECT)).to.have.length(1);
  });
});

describe('an unusual sign-in without a second factor and without mail (redis store)', function () {
  this.timeout(60_000);
  let running: Running;
  before(async () => {
    running = await startLatchkey({ store: 'redis', env: ENV });
  });
  after(() => running?.stop());
  const { browserAt, password, finish, owner } = rig(() => running);

  it('is let in, as before (the alert tells the operator and the person)', async () => {
    expect(running.latchkey.mail.enabled).to.equal(false);
    const user = await owner();
    const browser = browserAt(RIO);
    const { page, checks } = await password(browser, user.email);
    expect(page.doc.querySelector('#code')).to.equal(null);
    expect((await finish(browser, page, checks)).claims()!.amr).to.deep.equal(['pwd']);
  });
});
