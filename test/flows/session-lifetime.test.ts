// Browser sessions end: after SESSION_IDLE_TTL without use, and SESSION_MAX_TTL after the sign-in
// however busy; a session nobody signed in to (a device or logout page opened) lives minutes.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { createMemoryStore } from '../../server/store/memory/index.ts';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, sleep } from '../support/flows.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, REDIRECT_URI, signIn } from '../support/oidc.ts';

/** prompt=none: the callback says whether the browser still has a session. */
async function silently(config: oidc.Configuration, browser: Browser): Promise<'signed in' | string> {
  const { params } = await authorizationRequest('openid', { prompt: 'none' });
  const page = await browser.get(oidc.buildAuthorizationUrl(config, params).href);
  expect(page.url.startsWith(REDIRECT_URI), page.url).to.equal(true);
  const callback = new URL(page.url).searchParams;
  return callback.has('code') ? 'signed in' : String(callback.get('error'));
}

describe('session lifetime', function () {
  this.timeout(30_000);

  async function signedIn(running: Running) {
    const user = await addUser(running);
    const { clientId, secret } = await addClient(running);
    const config = await discover(running, clientId, secret);
    const { browser } = await signIn(config, user.email, 'openid');
    return { config, browser };
  }

  it('ends a session left unused for SESSION_IDLE_TTL', async () => {
    const running = await startLatchkey({ env: { SESSION_IDLE_TTL: '2', SESSION_MAX_TTL: '60' } });
    try {
      const { config, browser } = await signedIn(running);
      expect(await silently(config, browser)).to.equal('signed in');
      await sleep(3_100);
      expect(await silently(config, browser)).to.equal('login_required');
    } finally {
      await running.stop();
    }
  });

  it('ends a busy session SESSION_MAX_TTL after its sign-in', async () => {
    // Idle 3 s, absolute 6 s: used every second it stays signed in until 6 s after the sign-in,
    // then ends although it was used a moment before. Times are read, not assumed, so a slow
    // machine changes how many uses fit, not the outcome.
    const running = await startLatchkey({ store: 'redis', env: { SESSION_IDLE_TTL: '3', SESSION_MAX_TTL: '6' } });
    try {
      const { config, browser } = await signedIn(running);
      const signedInAt = Date.now();
      let uses = 0;
      while (Date.now() - signedInAt < 4_000) {
        await sleep(1_000);
        expect(await silently(config, browser), `use at ${Date.now() - signedInAt} ms, inside both lifetimes`).to.equal('signed in');
        uses++;
      }
      await sleep(Math.max(0, 6_500 - (Date.now() - signedInAt)));
      expect(uses).to.be.greaterThan(1);
      expect(await silently(config, browser), 'past the absolute lifetime, though used within the idle one').to.equal('login_required');
    } finally {
      await running.stop();
    }
  });

  it('keeps a session nobody signed in to for minutes, not days', async () => {
    let now = Date.now();
    const store = createMemoryStore({ now: () => now });
    const running = await startLatchkey({ storeInstance: store });
    try {
      const before = store.size();
      const page = await new Browser().get(`${running.url}/device`);
      expect(page.status).to.equal(200);
      expect(store.size(), 'the device page stored a session').to.be.greaterThan(before);
      now += 9 * 60_000;
      expect(store.size(), 'still there after 9 minutes').to.be.greaterThan(before);
      now += 2 * 60_000;
      expect(store.size(), 'gone after 11 minutes').to.equal(before);
    } finally {
      await running.stop();
    }
  });
});
