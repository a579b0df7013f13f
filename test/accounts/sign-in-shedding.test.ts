// A flood of wrong-password sign-ins against a real Latchkey (build() over real HTTP, bcrypt at
// cost 10): past the bound on bcrypt's queue, sign-ins are refused at once with a 503 page that
// says to try again in a few seconds (Retry-After), the admin API answers the same as JSON, and
// the server stays healthy: a real person signs in afterwards. No timing is asserted; the bound
// itself is tested in passwords.test.ts. Each guess comes from its own network, for an email of
// its own, as a botnet's would: the brute-force throttles (security/) would otherwise refuse the
// flood long before bcrypt's queue filled, and it is the queue this proves.
import { expect } from 'chai';
import { parse } from 'node-html-parser';
import * as oidc from 'openid-client';
import { BUSY, BUSY_RETRY_AFTER_SECONDS, defaultConcurrency, QUEUE_PER_WORKER } from '../../server/accounts/passwords.ts';
import { Browser } from '../support/browser.ts';
import { authorizationRequest } from '../support/flows.ts';
import { startLatchkey, TEST_ADMIN_TOKEN, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, PASSWORD, REDIRECT_URI, uniqueId } from '../support/oidc.ts';

interface Answer {
  status: number;
  retryAfter: string | null;
  type: string | null;
  text: string;
}

const answer = async (response: Response): Promise<Answer> => ({
  status: response.status,
  retryAfter: response.headers.get('retry-after'),
  type: response.headers.get('content-type'),
  text: await response.text(),
});

describe('sign-ins past the bound on bcrypt', function () {
  this.timeout(60_000);
  let running: Running;
  let config: oidc.Configuration;
  let email: string;
  // Enough to overfill the queue many times over on any machine: 100 on two cores.
  const flood = Math.max(100, 4 * defaultConcurrency() * (1 + QUEUE_PER_WORKER));

  before(async () => {
    running = await startLatchkey({ env: { BCRYPT_COST: '10', TRUST_PROXY: 'true' } });
    email = (await addUser(running)).email;
    const { clientId, secret } = await addClient(running);
    config = await discover(running, clientId, secret);
  });
  after(() => running.stop());

  /** A browser on the login page, and what pressing Sign in with a password sends. */
  let sources = 0;
  async function loginPage() {
    const browser = new Browser([new URL(REDIRECT_URI).origin]);
    const n = ++sources;
    browser.headers['x-forwarded-for'] = `10.${(n >> 8) & 255}.${n & 255}.7`;
    const { params } = await authorizationRequest('openid');
    const page = await browser.get(oidc.buildAuthorizationUrl(config, params).href);
    const form = page.doc.querySelector('form');
    expect(page.doc.querySelector('#password'), 'the login page').to.not.equal(null);
    const action = new URL(form!.getAttribute('action')!, page.url).href;
    const csrf = form!.querySelector('input[name="_csrf"]')!.getAttribute('value')!;
    const signIn = (password: string, as = `${uniqueId('guess')}@example.test`) => browser.request('POST', action, new URLSearchParams({ _csrf: csrf, email: as, password })).then(answer);
    return Object.assign(signIn, { browser, url: page.url });
  }

  it('refuses the overflow at once with a friendly 503 page and Retry-After, and signs a person in afterwards', async () => {
    const pages = await Promise.all(Array.from({ length: flood }, loginPage));
    const answers = await Promise.all(pages.map((signIn) => signIn('wrong password guess')));

    const refused = answers.filter((a) => a.status === 503);
    const checked = answers.filter((a) => a.status === 401);
    expect(refused.length + checked.length, `statuses: ${answers.map((a) => a.status).join(' ')}`).to.equal(flood);
    expect(refused.length, 'some were shed').to.be.greaterThan(0);
    expect(checked.length, 'some were checked').to.be.greaterThan(0);
    for (const page of refused) {
      expect(page.retryAfter).to.equal(String(BUSY_RETRY_AFTER_SECONDS));
      expect(page.type).to.match(/^text\/html/);
      expect(page.text).to.include(BUSY);
      expect(parse(page.text).querySelector('h1')?.text).to.equal('Please try again in a moment');
      expect(page.text).to.not.include('wrong password guess');
    }
    for (const page of checked) expect(page.text).to.include('Incorrect email or password.');
    // "Go back" leads to the same sign-in page, still valid.
    const index = answers.indexOf(refused[0]!);
    const back = parse(refused[0]!.text).querySelector('a.btn')?.getAttribute('href');
    expect(back, 'a way back to the sign-in').to.equal(new URL(pages[index]!.url).pathname);
    const again = await pages[index]!.browser.get(new URL(back!, running.url).href);
    expect(again.doc.querySelector('#password'), 'the login page again').to.not.equal(null);

    const health = await fetch(`${running.url}/healthz`);
    expect(health.status).to.equal(200);
    const signIn = await loginPage();
    const person = await signIn(PASSWORD, email);
    expect(person.status, 'a real sign-in goes on to consent').to.equal(303);
  });

  it('answers the admin API with the same 503 as JSON while the queue is full', async () => {
    const admin = (address: string) =>
      fetch(`${running.url}/admin/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: address, password: 'a long enough passphrase' }),
      }).then(answer);
    // Whether the queue is still full when the admin request reaches bcrypt depends on the
    // machine; a few rounds make it all but certain once.
    let shed: Answer | undefined;
    for (let round = 0; round < 5 && !shed; round++) {
      const pages = await Promise.all(Array.from({ length: flood }, loginPage));
      const guesses = pages.map((signIn) => signIn('wrong password guess'));
      const created = await admin(`${uniqueId('admin')}@example.test`);
      await Promise.all(guesses);
      expect([201, 503]).to.include(created.status);
      if (created.status === 503) shed = created;
    }
    expect(shed, 'the admin request was shed in one of the rounds').to.not.equal(undefined);
    expect(shed!.retryAfter).to.equal(String(BUSY_RETRY_AFTER_SECONDS));
    expect(shed!.type).to.match(/^application\/json/);
    expect(JSON.parse(shed!.text)).to.deep.equal({ error: 'temporarily_unavailable', error_description: BUSY });
  });
});
