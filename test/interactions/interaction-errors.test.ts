// The sign-in pages tell an expired page from a server that cannot answer: only a missing or
// foreign interaction reads "this page has expired"; a store outage is a 503 that says to try
// again, because nothing the person did caused it.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { authorizationRequest } from '../support/flows.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, discover, REDIRECT_URI } from '../support/oidc.ts';

describe('interaction pages when something fails', () => {
  let running: Running;
  beforeEach(async () => {
    running = await startLatchkey({ store: 'redis' });
  });
  afterEach(() => running.stop());

  async function openLoginPage() {
    const { clientId, secret } = await addClient(running);
    const config = await discover(running, clientId, secret);
    const { params } = await authorizationRequest('openid');
    const browser = new Browser([new URL(REDIRECT_URI).origin]);
    const page = await browser.get(oidc.buildAuthorizationUrl(config, params).href);
    expect(page.doc.querySelector('#password'), 'the login page').to.not.equal(null);
    return { browser, page };
  }

  it('says a sign-in page opened in another browser has expired (400)', async () => {
    const { page } = await openLoginPage();
    const other = await new Browser().get(page.url);
    expect(other.status).to.equal(400);
    expect(other.html).to.include('has expired');
  });

  it('answers 503 with "try again", not "expired", when the store cannot be reached', async () => {
    const { browser, page } = await openLoginPage();
    await running.redis!.stop();
    const again = await browser.get(page.url);
    expect(again.status).to.equal(503);
    expect(again.html).to.include('Try again in a moment');
    expect(again.html).to.not.include('has expired');
  });
});
