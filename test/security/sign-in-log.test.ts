// One structured log line per sign-in attempt: its outcome, the client, the account (by sub, or
// by pseudonym when no account has that email) and the address; never an email someone typed,
// never a password.
import { Writable } from 'node:stream';
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { pino } from 'pino';
import { Browser, type Page } from '../support/browser.ts';
import { authorizationRequest } from '../support/flows.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, PASSWORD, REDIRECT_URI, uniqueId } from '../support/oidc.ts';

interface Line {
  event?: string;
  outcome?: string;
  clientId?: string;
  sub?: string;
  account?: string;
  ip?: string;
  reason?: string;
  retryAfter?: number;
}

describe('sign-in outcome log', function () {
  this.timeout(30_000);
  let running: Running;
  let config: oidc.Configuration;
  let clientId: string;
  const raw: string[] = [];
  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        raw.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    running = await startLatchkey({ env: { TRUST_PROXY: 'true' }, logger: pino({ level: 'info' }, sink) });
    let secret: string | undefined;
    ({ clientId, secret } = await addClient(running));
    config = await discover(running, clientId, secret);
  });
  after(() => running.stop());

  const signInLines = () => raw.map((line) => JSON.parse(line) as Line).filter((line) => line.event === 'signin');

  async function tryOnce(ip: string, email: string, password: string): Promise<Page> {
    const browser = new Browser([new URL(REDIRECT_URI).origin]);
    browser.headers = { 'x-forwarded-for': ip };
    const { params } = await authorizationRequest('openid');
    const page = await browser.get(oidc.buildAuthorizationUrl(config, params).href);
    return browser.submit(page, { Email: email, Password: password }, 'Sign in');
  }

  it('logs each outcome with client, account and address, and no email or password', async () => {
    const user = await addUser(running);
    const disabled = await addUser(running);
    await running.latchkey.users.setDisabled(disabled.email, true);
    const nobody = `${uniqueId('nobody')}@example.test`;
    const wrong = 'not-the-password-7f3a';

    await tryOnce('192.0.2.1', user.email, PASSWORD);
    await tryOnce('192.0.2.2', user.email.toUpperCase(), wrong);
    await tryOnce('192.0.2.3', ` ${nobody} `, wrong);
    await tryOnce('192.0.2.4', disabled.email, PASSWORD);
    // The sixth failure from one address to one account within a second of the fifth is refused.
    for (let i = 0; i < 8; i++) await tryOnce('192.0.2.5', nobody, wrong);

    const lines = signInLines();
    expect(lines.map((l) => l.outcome)).to.deep.equal(['succeeded', 'wrong_password', 'unknown_account', 'disabled', ...Array(7).fill('unknown_account'), 'throttled']);
    const [ok, badPassword, unknown, off] = lines as [Line, Line, Line, Line];
    expect(ok).to.include({ clientId, sub: user.sub, ip: '192.0.2.1' });
    expect(badPassword).to.include({ clientId, sub: user.sub, ip: '192.0.2.2' });
    expect(off).to.include({ sub: disabled.sub, ip: '192.0.2.4' });
    expect(unknown).to.not.have.property('sub');
    expect(unknown.account).to.match(/^[\w-]{22}$/);
    // The pseudonym is the normalised email's: the same for every attempt at it, another for another.
    expect(lines.slice(4).every((l) => l.account === unknown.account)).to.equal(true);
    expect(badPassword.account).to.equal(ok.account).and.not.equal(unknown.account);
    expect(lines.at(-1)).to.include({ outcome: 'throttled', reason: 'account-ip', ip: '192.0.2.5', retryAfter: 2 });

    const everything = raw.join('\n').toLowerCase();
    for (const secret of [nobody, user.email, disabled.email, PASSWORD, wrong]) expect(everything, secret).to.not.include(secret.toLowerCase());
  });
});
