// The account lifecycle by email in Chromium, against a real SMTP server: sign up, confirm the
// address with the mailed link, sign in to the example web app (email_verified true); forgot the
// password from the login page, set a new one with the mailed link, sign in with it.
import { expect } from 'chai';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';
import { addPerson, checkPage, fillLogin, startStack, useBrowsers, waitForHeading, type Stack } from './support.ts';

describe('account lifecycle by email in Chromium', function () {
  this.timeout(60_000);
  let smtp: TestSmtp;
  let stack: Stack;
  const browsers = useBrowsers();

  before(async () => {
    smtp = await startSmtp();
    stack = await startStack({ SMTP_URL: smtp.url, ALLOW_SIGNUP: 'true' });
  });
  after(async () => {
    await stack?.stop();
    await smtp?.stop();
  });

  it('signs up, confirms the address by the mailed link, and signs in to the web app', async () => {
    const { page } = await browsers.launch();
    const email = `signup-${Date.now()}@example.test`;
    const password = 'a long and new sign-up passphrase';
    await page.goto(`${stack.latchkey.url}/signup`);
    await waitForHeading(page, 'Create an account');
    await checkPage(page, 'lifecycle-1-signup');
    await page.getByLabel('Name').fill('Katherine Johnson');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('status').waitFor();
    await checkPage(page, 'lifecycle-2-signup-sent');

    const link = smtp.link(await smtp.waitFor(email), `${stack.latchkey.url}/verify-email/`);
    await page.goto(link);
    await waitForHeading(page, 'Confirm your email address');
    await checkPage(page, 'lifecycle-3-verify');
    await page.getByRole('button', { name: 'Confirm my address' }).click();
    await waitForHeading(page, 'Address confirmed');

    await page.goto(stack.webapp.url);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await waitForHeading(page, 'Sign in');
    await fillLogin(page, email, password);
    await waitForHeading(page, /wants to access your account/);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${stack.webapp.url}/`);
    await waitForHeading(page, /^Signed in as Katherine Johnson/);
    const claims = await page.getByRole('table', { name: 'ID token claims' }).innerText();
    expect(claims).to.match(/email_verified\s+true/);
  });

  it('resets a forgotten password from the login page and signs in with the new one', async () => {
    const { page } = await browsers.launch();
    const { email } = await addPerson(stack.latchkey);
    const password = 'the freshly chosen passphrase';
    await page.goto(stack.webapp.url);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await waitForHeading(page, 'Sign in');
    const login = page.url();
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await waitForHeading(page, 'Forgot your password?');
    await checkPage(page, 'lifecycle-4-forgot');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send me a link' }).click();
    await page.getByRole('status').waitFor();

    const link = smtp.link(await smtp.waitFor(email), `${stack.latchkey.url}/reset-password/`);
    await page.goto(link);
    await waitForHeading(page, 'Choose a new password');
    await checkPage(page, 'lifecycle-5-reset');
    await page.getByLabel('New password', { exact: true }).fill(password);
    await page.getByLabel('New password, again').fill(password);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await waitForHeading(page, 'Password changed');

    await page.goto(login);
    await waitForHeading(page, 'Sign in');
    await fillLogin(page, email, password);
    await waitForHeading(page, /wants to access your account/);
  });
});
