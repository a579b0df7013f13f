// No account enumeration through the pages that mail: forgot password and sign-up answer an
// address an account has and one nobody has with the same page, in comparable time. 30 samples
// of each, taken alternately (so a loaded machine slows both alike), compared by their medians;
// bcrypt at cost 10 here, so that a hash made for one kind of address only would show.
import { expect } from 'chai';
import { textOf } from '../support/account.ts';
import { Browser } from '../support/browser.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';

const SAMPLES = 30;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};

describe('no account enumeration by mail pages', function () {
  this.timeout(120_000);
  let smtp: TestSmtp;
  let running: Running;
  let ip = 0;
  before(async () => {
    smtp = await startSmtp();
    running = await startLatchkey({ env: { SMTP_URL: smtp.url, ALLOW_SIGNUP: 'true', TRUST_PROXY: 'true', BCRYPT_COST: '10' } });
  });
  after(async () => {
    await running.stop();
    await smtp.stop();
  });

  /** One timed POST of the page's form, from an address of its own (past the per-address throttle). */
  async function timed(path: string, fields: Record<string, string>, button: string) {
    const browser = new Browser();
    browser.headers['x-forwarded-for'] = `10.${(++ip >> 8) & 255}.${ip & 255}.1`;
    const form = await browser.get(`${running.url}${path}`);
    const started = performance.now();
    const page = await browser.submit(form, fields, button);
    return { ms: performance.now() - started, page };
  }

  async function compare(path: string, button: string, fieldsFor: (email: string) => Record<string, string>) {
    const run = Date.now();
    const known: string[] = [];
    for (let i = 0; i < SAMPLES; i++) known.push((await running.latchkey.users.create({ email: `known-${run}-${i}@example.test`, password: 'an existing account password' })).email);
    const times = { known: [] as number[], unknown: [] as number[] };
    const texts = new Set<string>();
    const statuses = new Set<number>();
    // One of each first, not counted: the first request of a kind warms caches.
    await timed(path, fieldsFor(`warm-${run}@example.test`), button);
    for (let i = 0; i < SAMPLES; i++) {
      const unknown = `unknown-${run}-${i}@example.test`;
      const pair = i % 2 ? [['unknown', unknown], ['known', known[i]!]] : [['known', known[i]!], ['unknown', unknown]];
      for (const [kind, email] of pair as [keyof typeof times, string][]) {
        const { ms, page } = await timed(path, fieldsFor(email), button);
        times[kind].push(ms);
        statuses.add(page.status);
        texts.add(textOf(page).replaceAll(email, 'EMAIL'));
      }
    }
    expect([...statuses]).to.deep.equal([200]);
    expect([...texts], 'one page for every address').to.have.length(1);
    const a = median(times.known);
    const b = median(times.unknown);
    if (process.env.SHOW_TIMES) console.log(path, a.toFixed(1), b.toFixed(1));
    // Within a quarter of the slower median, or 5 ms, whichever is more.
    expect(Math.abs(a - b), `medians ${a.toFixed(1)} ms (known) and ${b.toFixed(1)} ms (unknown)`).to.be.at.most(Math.max(5, 0.25 * Math.max(a, b)));
  }

  it('forgot password: the same page, in comparable time', () => compare('/forgot-password', 'Send me a link', (email) => ({ Email: email })));

  it('sign-up: the same page, in comparable time', () =>
    compare('/signup', 'Create account', (email) => ({ Name: 'Sam', Email: email, Password: 'a sign-up passphrase of some length' })));
});
