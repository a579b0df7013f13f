// Second factors in Chromium: a person sets up an authenticator app from the account console
// (the QR code is an image of the otpauth:// URI the page also gives as text, under the strict
// CSP), saves the recovery codes, and signs in to the example web app with the password and a code
// generated from that URI; a recovery code then works once. Every new page passes axe.
import { expect } from 'chai';
import QRCode from 'qrcode';
import { PERIOD_SECONDS, totpCode } from '../../server/mfa/totp.ts';
import { sleep } from '../support/flows.ts';
import { addPerson, checkPage, fillLogin, startStack, useBrowsers, waitForHeading, type Stack } from './support.ts';

const STEP_MS = PERIOD_SECONDS * 1000;
async function awayFromStepEdge() {
  const into = Date.now() % STEP_MS;
  if (into > STEP_MS - 5000) await sleep(STEP_MS - into + 200);
}

describe('second factors in Chromium', function () {
  this.timeout(90_000);
  let stack: Stack;
  const browsers = useBrowsers();
  before(async () => {
    stack = await startStack();
  });
  after(() => stack?.stop());

  it('sets up an authenticator app from its QR code, signs in to the web app with a code, and a recovery code works once', async () => {
    const { page } = await browsers.launch();
    const { email, password } = await addPerson(stack.latchkey);
    const csp: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) csp.push(message.text());
    });

    await page.goto(`${stack.latchkey.url}/account/security`);
    await waitForHeading(page, 'Sign in');
    await fillLogin(page, email, password);
    await waitForHeading(page, 'Second factor');
    await checkPage(page, 'mfa-1-security');
    await page.getByRole('link', { name: 'Set up an authenticator app' }).click();
    await waitForHeading(page, 'Set up an authenticator app');
    await checkPage(page, 'mfa-2-enrol');

    // What the phone would scan: the image is the QR code of the URI the page offers as text.
    const qr = page.getByRole('img', { name: 'QR code to scan with your authenticator app' });
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).to.equal(true);
    await page.getByText("Can't scan it?").click();
    const uri = (await page.locator('#totp-uri').innerText()).trim();
    expect(uri).to.match(/^otpauth:\/\/totp\//);
    const src = (await qr.getAttribute('src'))!;
    expect(Buffer.from(src.replace('data:image/svg+xml;base64,', ''), 'base64').toString()).to.equal(await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
    const secret = new URL(uri).searchParams.get('secret')!;

    await awayFromStepEdge();
    await page.getByLabel('3. Type the six digits the app now shows').fill(totpCode(secret, Date.now() - STEP_MS));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await waitForHeading(page, 'Your recovery codes');
    await checkPage(page, 'mfa-3-recovery-codes');
    const codes = (await page.locator('#recovery-codes li').allInnerTexts()).map((code) => code.trim());
    expect(codes).to.have.length(10);
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await waitForHeading(page, 'Second factor');
    expect(await page.locator('#recovery-status').innerText()).to.include('10 of 10 left');

    // A new browser signs in to the web app: password, then the code.
    const phone = await browsers.launch();
    await phone.page.goto(stack.webapp.url);
    await phone.page.getByRole('link', { name: 'Sign in' }).click();
    await waitForHeading(phone.page, 'Sign in');
    await fillLogin(phone.page, email, password);
    await waitForHeading(phone.page, 'Enter your code');
    await checkPage(phone.page, 'mfa-4-code');
    await phone.page.getByLabel('Code from your authenticator app').fill('000000' === totpCode(secret, Date.now()) ? '111111' : '000000');
    await phone.page.getByRole('button', { name: 'Continue' }).click();
    await phone.page.getByText('That code is not right').waitFor();
    await checkPage(phone.page, 'mfa-5-wrong-code');
    await awayFromStepEdge();
    await phone.page.getByLabel('Code from your authenticator app').fill(totpCode(secret, Date.now()));
    await phone.page.getByRole('button', { name: 'Continue' }).click();
    await waitForHeading(phone.page, /wants to access your account/);
    await phone.page.getByRole('button', { name: 'Allow' }).click();
    await waitForHeading(phone.page, /^Signed in as/);

    // A third browser uses a recovery code; that code is spent afterwards.
    const spare = await browsers.launch();
    for (const expected of ['signed in', 'refused']) {
      const { page: p } = expected === 'signed in' ? spare : await browsers.launch();
      await p.goto(stack.webapp.url);
      await p.getByRole('link', { name: 'Sign in' }).click();
      await waitForHeading(p, 'Sign in');
      await fillLogin(p, email, password);
      await waitForHeading(p, 'Enter your code');
      await p.getByLabel('Code from your authenticator app').fill(codes[0]!);
      await p.getByRole('button', { name: 'Continue' }).click();
      if (expected === 'signed in') await waitForHeading(p, /wants to access your account|^Signed in as/);
      else await p.getByText('That code is not right').waitFor();
    }
    expect(csp, 'no CSP violations').to.deep.equal([]);
  });
});
