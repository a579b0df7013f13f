// The learned risk model at sign-in, end to end: real sign-ins over HTTP (the address varied
// through X-Forwarded-For, which TRUST_PROXY makes the app believe; the places from the offline
// databases), against real Redis, scored against a crafted history of the owner's habits — home
// in Hesse on Deutsche Telekom, Firefox on Windows with the device cookie of that browser, at this
// hour of the day. Each reason fires on its case and not on the owner's normal pattern; a refused
// sign-in reads exactly as a wrong password; "require" on an account without a second factor asks
// for a code mailed to it (this suite mails), with an alert; the owner's feedback changes the next decision; the history stays bounded.
import { expect } from 'chai';
import { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import type { ActivityItem } from '../../server/account/activity.ts';
import type { AuditEvent } from '../../server/audit/catalogue.ts';
import { sharedGeo } from '../../server/geo/shared.ts';
import { parseUserAgent } from '../../server/http/user-agent.ts';
import { emptyHistory, record } from '../../server/risk/history.ts';
import { riskHistoryStore, MAX_HISTORY_BYTES } from '../../server/risk/store.ts';
import type { RiskHistory } from '../../server/risk/types.ts';
import { createPseudonyms } from '../../server/security/pseudonyms.ts';
import { textOf } from '../support/account.ts';
import { Browser, type Page } from '../support/browser.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, PASSWORD, REDIRECT_URI, uniqueId } from '../support/oidc.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';
import { waitFor } from '../support/wait.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
/** Seligenstadt, Hesse; Deutsche Telekom (AS3320). */
const HOME = '87.128.10.20';
/** Rio de Janeiro; Universo Online (AS7162). */
const RIO = '200.147.67.142';
const LOGIN_FAILED = 'Incorrect email or password.';
const CODE_MAIL = 'Your code to sign in';

describe('risk-based sign-in (redis store, over HTTP)', function () {
  this.timeout(30_000);
  let running: Running;
  let config: oidc.Configuration;
  let inspector: Redis;
  let smtp: TestSmtp;

  before(async () => {
    smtp = await startSmtp();
    // The deny threshold a little under the default, so that the refused case (scoring about 11.7
    // here) and the let-in ones (at most about 9.4) stay clear of it whatever today's date.
    running = await startLatchkey({ store: 'redis', env: { TRUST_PROXY: 'true', RISK_DENY_THRESHOLD: '10.5', SMTP_URL: smtp.url } });
    const { clientId, secret } = await addClient(running, { client_name: 'Notes' });
    config = await discover(running, clientId, secret);
    inspector = new Redis(running.redis!.url, { maxRetriesPerRequest: 1 });
    // The alert rules lead from the end of the trail: from here on.
    await running.latchkey.alerts!.poll();
  });
  after(async () => {
    inspector?.disconnect();
    await running?.stop();
    await smtp?.stop();
  });

  const risk = () => riskHistoryStore(running.latchkey.store.risk, running.latchkey.store.feeds);
  const pseudonymOf = (cookieId: string) => createPseudonyms(running.config.cookieSecrets)('risk-device', cookieId).slice(0, 22);

  /** A browser at an address (as the proxy in front reports it), with a user agent. */
  function browserAt(ip: string, userAgent: string, browser = new Browser([new URL(REDIRECT_URI).origin])): Browser {
    browser.headers['x-forwarded-for'] = ip;
    browser.headers['user-agent'] = userAgent;
    return browser;
  }

  /**
   * One sign-in through the pages; the page after the password, whether the app got a code, and
   * whether the email check was asked for (this suite mails: an unusual sign-in of an account
   * without a second factor is asked for the code mailed to it, typed here as the person would).
   */
  async function signIn(browser: Browser, email: string, password = PASSWORD): Promise<{ page: Page; signedIn: boolean; emailChecked: boolean }> {
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256', state: oidc.randomState(), prompt: 'login' });
    let page = await browser.get(url.href);
    const codesBefore = smtp.to(email).filter((m) => m.subject === CODE_MAIL).length;
    page = await browser.submit(page, { Email: email, Password: password }, 'Sign in');
    const after = page;
    const emailChecked = page.html.includes('Code from the email');
    if (emailChecked) {
      const mailed = await smtp.waitFor(email, { count: codesBefore + 1, subject: CODE_MAIL });
      page = await browser.submit(page, { 'Code from the email': /Your code to sign in: (\d{6})/.exec(mailed.text)![1]! }, 'Continue');
    }
    if (page.html.includes('name="decision"')) page = await browser.submit(page, {}, 'Allow');
    return { page: after, signedIn: page.url.startsWith(REDIRECT_URI), emailChecked };
  }

  /** The newest sign-in item of the person's activity, once there are `count` of them. */
  async function latestSignIn(sub: string, count: number): Promise<ActivityItem> {
    const items = await waitFor(
      async () => (await running.latchkey.activity.recent(sub, 100)).filter((i) => i.kind.startsWith('signin.') && i.kind !== 'signin.feedback'),
      (found) => found.length >= count,
      { what: `${count} sign-ins in the activity` },
    );
    return items[0]!;
  }

  /**
   * A person whose browser has signed in once (so it holds the device cookie), then given a
   * crafted history: 60 days of sign-ins from home with that browser, at this hour and two hours
   * before, the last one `lastAgo` ago.
   */
  async function owner({ lastAgo = 2 * HOUR } = {}) {
    const user = await addUser(running);
    const browser = browserAt(HOME, FIREFOX_WINDOWS);
    expect((await signIn(browser, user.email)).signedIn).to.equal(true);
    const cookieId = browser.cookies(new URL(running.url).host).get('latchkey-device')!.split('.')[0]!;
    const deviceId = pseudonymOf(cookieId);
    const geo = (await sharedGeo()).lookup(HOME)!;
    const userAgent = parseUserAgent(FIREFOX_WINDOWS);
    const last = Date.now() - lastAgo;
    let history: RiskHistory = emptyHistory();
    for (let day = 60; day >= 0; day--) {
      for (const at of [last - day * DAY, last - day * DAY + 2 * HOUR]) {
        if (at > last) continue;
        history = record(history, { at, ip: HOME, geo, userAgent, deviceId }, { via: 'password', deviceId });
      }
    }
    await risk().putHistory(user.sub, history);
    return { user, browser, sessions: 1 };
  }

  async function auditEvents(type: string, sub: string): Promise<AuditEvent[]> {
    await running.latchkey.audit.flush();
    const { events } = await running.latchkey.audit.search({ account: sub, type, limit: 100 });
    return events.map((e) => e.event);
  }

  async function alertsFor(sub: string): Promise<AuditEvent[]> {
    await running.latchkey.audit.flush();
    await running.latchkey.alerts!.poll();
    await running.latchkey.audit.flush();
    return auditEvents('alert.raised', sub);
  }

  it("lets the owner's normal pattern in without a reason: home, the usual browser, its device cookie", async () => {
    const { user, browser } = await owner();
    const before = (await risk().getHistory(user.sub)).n;
    expect((await signIn(browser, user.email)).signedIn).to.equal(true);
    const item = await latestSignIn(user.sub, 2);
    expect(item.kind).to.equal('signin.succeeded');
    expect(item.risk).to.include({ decision: 'allow' });
    expect(item.risk!.reasons).to.deep.equal([]);
    expect(item.text).to.equal('Signed in to Notes');
    // Learnt: one more sign-in in the history.
    expect((await risk().getHistory(user.sub)).n).to.be.above(before);
  });

  it('knows the device by its cookie: the same browser and address without the cookie is a device not seen before', async () => {
    const { user } = await owner();
    expect((await signIn(browserAt(HOME, FIREFOX_WINDOWS), user.email)).signedIn).to.equal(true);
    const item = await latestSignIn(user.sub, 2);
    expect(item.risk!.reasons).to.deep.equal(['a device not seen before on this account']);
  });

  it('names a new browser (Chrome on the same Windows, at home), and nothing about the place', async () => {
    const { user } = await owner();
    expect((await signIn(browserAt(HOME, CHROME_WINDOWS), user.email)).signedIn).to.equal(true);
    const { risk: verdict } = await latestSignIn(user.sub, 2);
    expect(verdict!.reasons).to.include('new browser (Chrome on Windows)');
    expect(verdict!.reasons.join()).to.not.match(/first sign-in from|network|travel/);
  });

  it('names a first sign-in from Brazil and the impossible travel from home two hours before; "require" without a second factor asks for a mailed code, with an alert', async () => {
    const { user } = await owner({ lastAgo: 2 * HOUR });
    const { signedIn, emailChecked } = await signIn(browserAt(RIO, FIREFOX_WINDOWS), user.email);
    // Without mail it would be let in on the password (test/interactions/email-check.test.ts).
    expect(emailChecked, 'no second factor to ask for: a code mailed to the account').to.equal(true);
    expect(signedIn, 'in with the mailed code').to.equal(true);
    const item = await latestSignIn(user.sub, 2);
    expect(item.risk!.decision, `score ${item.risk!.score}`).to.equal('require');
    expect(item.risk!.reasons).to.include('first sign-in from Brazil');
    expect(item.risk!.reasons.join('\n')).to.match(/^travel at [\d,]+ km\/h since the last sign-in 2 hours ago \([\d,]+ km from Seligenstadt\)$/m);
    expect(item.text).to.include('Signed in to Notes, which looked unusual: ').and.include('first sign-in from Brazil');
    // The operator: the sign-in event says why; an alert says it was let in without a second factor.
    const [event] = await auditEvents('signin.succeeded', user.sub).then((events) => events.filter((e) => (e as { risk?: { decision: string } }).risk?.decision === 'require'));
    expect(event, 'the sign-in audit event carries the verdict').to.not.equal(undefined);
    const alerts = await alertsFor(user.sub);
    const alert = alerts.find((a) => (a as { rule?: string }).rule === 'unusual_signin') as { summary: string; personMessage: string } | undefined;
    expect(alert?.summary).to.include('first sign-in from Brazil').and.include('the code mailed to its address was asked for and typed');
    expect(alert?.personMessage).to.include('change your password');
    // The person hears of it in their activity too.
    await waitFor(() => running.latchkey.activity.recent(user.sub, 100), (items) => items.some((i) => i.kind === 'alert'), { what: 'the alert in the activity' });
  });

  it('mails the owner about a sign-in from a country the account never signed in from, even from their own browser', async () => {
    const { user, browser } = await owner({ lastAgo: 8 * DAY });
    // New accounts are not told of new sign-ins in their first minutes: this one is older.
    const stored = JSON.parse((await running.latchkey.store.documents.get('users', user.sub))!) as { createdAt: number };
    await running.latchkey.store.documents.put('users', user.sub, JSON.stringify({ ...stored, createdAt: stored.createdAt - DAY }));
    const NEW_SIGN_IN = 'New sign-in to your account';
    // At home in the usual browser: nothing to tell.
    expect((await signIn(browser, user.email)).signedIn).to.equal(true);
    // The same browser (its device cookie) in Rio.
    expect((await signIn(browserAt(RIO, FIREFOX_WINDOWS, browser), user.email)).signedIn).to.equal(true);
    const notices = () => smtp.to(user.email).filter((m) => m.subject === NEW_SIGN_IN);
    await waitFor(async () => notices().filter((m) => m.text.includes('Brazil')), (found) => found.length === 1, { what: 'the notice of the sign-in from Brazil' });
    // The first sign-in of the browser may have been told (the queue reads the account's age when
    // it sends); the second one at home, from the same browser, is not.
    expect(notices().filter((m) => m.text.includes('Germany')).length).to.be.at.most(1);
  });

  it('does not call a trip impossible when the last sign-in was a week ago: still a first sign-in from Brazil', async () => {
    const { user } = await owner({ lastAgo: 8 * DAY });
    expect((await signIn(browserAt(RIO, FIREFOX_WINDOWS), user.email)).signedIn).to.equal(true);
    const { risk: verdict } = await latestSignIn(user.sub, 2);
    expect(verdict!.reasons).to.include('first sign-in from Brazil');
    expect(verdict!.reasons.join()).to.not.include('km/h');
  });

  it('refuses a sign-in with the right password that looks like someone else, exactly as a wrong password or an unknown account reads', async () => {
    const { user } = await owner();
    const before = await risk().getHistory(user.sub);
    const denied = await signIn(browserAt(RIO, CHROME_LINUX), user.email);
    expect(denied.signedIn).to.equal(false);
    const unknown = await signIn(browserAt(RIO, CHROME_LINUX), `${uniqueId('nobody')}@example.test`);
    const wrong = await signIn(browserAt(RIO, CHROME_LINUX), user.email, 'not the password at all');
    for (const { page } of [denied, unknown, wrong]) {
      expect(page.status).to.equal(401);
      expect(textOf(page)).to.include(LOGIN_FAILED);
    }
    // Word for word the same page (the email typed is only in the field's value), with the way to
    // help that explains, for everyone alike, that a refused sign-in reads as a wrong password.
    expect(denied.page.doc.querySelectorAll('a').map((a) => a.getAttribute('href'))).to.include('/account/help#trouble');
    expect(textOf(await new Browser().get(`${running.url}/account/help`))).to.include('can be stopped with the same words as a wrong password');
    expect(textOf(denied.page)).to.equal(textOf(unknown.page));
    expect(textOf(denied.page)).to.equal(textOf(wrong.page));
    // Never learnt from.
    expect(await risk().getHistory(user.sub)).to.deep.equal(before);
    // The person and the operator are told.
    const item = await latestSignIn(user.sub, 3);
    const refused = (await running.latchkey.activity.recent(user.sub, 100)).find((i) => i.risk?.decision === 'deny')!;
    expect(refused.text).to.match(/^A sign-in to Notes with your password was stopped because it did not look like you: /);
    expect(refused.text).to.include('first sign-in from Brazil');
    expect(item.kind).to.equal('signin.failed');
    const failed = (await auditEvents('signin.failed', user.sub)).find((e) => (e as { reason?: string }).reason === 'risk_denied') as { personSees: string; risk: { decision: string; reasons: string[] } } | undefined;
    expect(failed?.personSees).to.equal('incorrect_email_or_password');
    expect(failed?.risk.decision).to.equal('deny');
    const alerts = await alertsFor(user.sub);
    expect(alerts.map((a) => (a as { rule?: string }).rule)).to.include('unusual_signin_refused');
  });

  it('takes as long to refuse as to turn away an unknown account', async () => {
    const { user } = await owner();
    const timed = async (email: string, ip: string) => {
      const browser = browserAt(ip, CHROME_LINUX);
      const page = await browser.get(oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256', state: 'x' }).href);
      const started = performance.now();
      const after = await browser.submit(page, { Email: email, Password: PASSWORD }, 'Sign in');
      expect(after.status).to.equal(401);
      return performance.now() - started;
    };
    const denied: number[] = [];
    const unknown: number[] = [];
    // Alternating, from addresses of their own (each address has its own failure budget).
    for (let i = 0; i < 4; i++) {
      denied.push(await timed(user.email, `200.147.67.${150 + i}`));
      unknown.push(await timed(`${uniqueId('nobody')}@example.test`, `200.147.67.${160 + i}`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Both check a password (bcrypt, or its stand-in) and read one history: no extra round trips
    // or work for the refused one that a stopwatch could see.
    expect(Math.abs(median(denied) - median(unknown)), `denied ${denied.map(Math.round)} ms, unknown ${unknown.map(Math.round)} ms`).to.be.below(Math.max(10, median(unknown)));
  });

  /** Presses one of the feedback buttons of a sign-in in the console's security activity. */
  async function feedback(browser: Browser, email: string, key: string, button: 'This was me' | 'This wasn’t me'): Promise<Page> {
    let page = await browser.get(`${running.url}/account/activity`);
    if (page.doc.querySelector('#password')) page = await browser.submit(page, { Email: email, Password: PASSWORD }, 'Sign in');
    const form = page.doc.querySelectorAll('form').find((f) => f.getAttribute('action')?.startsWith(`/account/activity/${key}/`) && f.querySelector('button')?.text.trim() === button);
    expect(form, `a "${button}" button for ${key}`).to.not.equal(undefined);
    const data = new URLSearchParams({ _csrf: form!.querySelector('input[name="_csrf"]')!.getAttribute('value')! });
    return browser.navigate('POST', new URL(form!.getAttribute('action')!, page.url).href, data);
  }

  it('"this was me" on a refused sign-in: the same sign-in is let in next time', async () => {
    const { user, browser } = await owner();
    expect((await signIn(browserAt(RIO, CHROME_LINUX), user.email)).signedIn).to.equal(false);
    const refused = await latestSignIn(user.sub, 2);
    expect(refused.risk!.decision).to.equal('deny');
    const done = await feedback(browser, user.email, refused.risk!.key, 'This was me');
    expect(textOf(done)).to.include('Sign-ins like that one will look less unusual from now on.');
    expect((await signIn(browserAt(RIO, CHROME_LINUX), user.email)).signedIn).to.equal(true);
    const again = await latestSignIn(user.sub, 3);
    expect(again.risk!.decision).to.not.equal('deny');
  });

  it('"this wasn\'t me" on a sign-in that was let in: says what to do next, and the next one from that network counts against itself', async () => {
    const { user, browser } = await owner({ lastAgo: 8 * DAY });
    expect((await signIn(browserAt(RIO, FIREFOX_WINDOWS), user.email)).signedIn).to.equal(true);
    const first = await latestSignIn(user.sub, 2);
    expect(first.risk!.decision).to.not.equal('deny');
    const done = await feedback(browser, user.email, first.risk!.key, 'This wasn’t me');
    expect(new URL(done.url).pathname).to.equal('/account/sessions');
    expect(textOf(done)).to.include('Someone else may know your password: change it now');
    const history = await risk().getHistory(user.sub);
    expect(history.x.map(([kind, value]) => `${kind} ${value}`)).to.include('net 200.147.67.0/24');
    const again = await signIn(browserAt(RIO, FIREFOX_WINDOWS), user.email);
    const verdict = (await latestSignIn(user.sub, 3)).risk!;
    expect(verdict.reasons).to.include('from a network you reported as not you');
    expect(verdict.score).to.be.above(first.risk!.score);
    expect(verdict.decision).to.be.oneOf(['require', 'deny']);
    expect(again.signedIn, `score ${verdict.score}: ${verdict.reasons.join('; ')}`).to.equal(verdict.decision !== 'deny');
  });

  it('takes feedback only with the form\'s CSRF token, only on the person\'s own sign-ins, and only as was-me or not-me', async () => {
    const ada = await owner({ lastAgo: 8 * DAY });
    expect((await signIn(browserAt(RIO, FIREFOX_WINDOWS), ada.user.email)).signedIn).to.equal(true);
    const { key } = (await latestSignIn(ada.user.sub, 2)).risk!;
    const before = await risk().getHistory(ada.user.sub);
    // Without the token: refused, nothing learnt.
    const forged = await ada.browser.navigate('POST', `${running.url}/account/activity/${key}/not-me`, new URLSearchParams({ _csrf: 'forged' }));
    expect(forged.status).to.equal(403);
    // Another person pressing a button with Ada's sign-in's key: as if it were too old.
    const bob = await owner();
    const page = await bob.browser.get(`${running.url}/account/activity`);
    const csrf = page.doc.querySelector('input[name="_csrf"]')!.getAttribute('value')!;
    const other = await bob.browser.navigate('POST', `${running.url}/account/activity/${key}/not-me`, new URLSearchParams({ _csrf: csrf }));
    expect(textOf(other)).to.include('That sign-in is too old to change now.');
    const odd = await bob.browser.navigate('POST', `${running.url}/account/activity/${key}/maybe`, new URLSearchParams({ _csrf: csrf }));
    expect(odd.status).to.equal(404);
    expect(await risk().getHistory(ada.user.sub)).to.deep.equal(before);
  });

  it('keeps the history bounded however many places an account signs in from, expiring six months after the last', async () => {
    const user = await addUser(running);
    const browser = browserAt(HOME, FIREFOX_WINDOWS);
    for (let i = 0; i < 70; i++) {
      browserAt(`87.128.${i}.20`, FIREFOX_WINDOWS, browser);
      expect((await signIn(browser, user.email)).signedIn, `sign-in ${i}`).to.equal(true);
    }
    const key = `${running.config.redis!.keyPrefix}risk:{${user.sub}}`;
    const raw = (await inspector.get(key))!;
    expect(Buffer.byteLength(raw)).to.be.below(MAX_HISTORY_BYTES);
    const history = JSON.parse(raw) as RiskHistory;
    const networks = Object.values(history.loc).flatMap(([, , asns]) => Object.values(asns ?? {}).flatMap(([, , nets]) => Object.keys(nets ?? {})));
    expect(networks.length).to.be.within(1, 32);
    expect(history.n).to.be.within(60, 70);
    expect(await inspector.pttl(key)).to.be.within(182 * DAY, 183 * DAY);
    // The prior learns from every account's successful sign-ins, in batches.
    await running.latchkey.risk!.flushPrior();
    expect((await risk().getPrior()).n).to.be.at.least(70);
  });
});
