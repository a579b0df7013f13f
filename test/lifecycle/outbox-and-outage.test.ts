// Where mail goes when there is no SMTP server: development's outbox at /dev/mail (never in
// production or tests), nowhere otherwise (the pages that need mail do not exist); and an SMTP
// outage: requests still succeed, the mail arrives once the server is back.
import { expect } from 'chai';
import { textOf } from '../support/account.ts';
import { Browser } from '../support/browser.ts';
import { startLatchkey } from '../support/latchkey.ts';
import { addUser } from '../support/oidc.ts';
import { startSmtp } from '../support/smtp.ts';
import { waitFor } from '../support/wait.ts';

async function askForLink(url: string, email: string) {
  const browser = new Browser();
  return browser.submit(await browser.get(`${url}/forgot-password`), { Email: email }, 'Send me a link');
}

describe('mail without SMTP_URL, and with SMTP down', function () {
  this.timeout(30_000);

  it('development: mail goes to the outbox at /dev/mail, whose links work', async () => {
    const running = await startLatchkey({ env: { NODE_ENV: 'development' } });
    try {
      const user = await addUser(running);
      expect((await askForLink(running.url, user.email)).status).to.equal(200);
      const outbox = await waitFor(() => new Browser().get(`${running.url}/dev/mail`), (page) => textOf(page).includes('Reset your Latchkey password'), { within: 5_000, what: 'the mail in the outbox' });
      expect(textOf(outbox)).to.contain(`To ${user.email}`);
      const link = /\/reset-password\/[\w-]{43}/.exec(outbox.html)![0];
      expect((await new Browser().get(`${running.url}${link}`)).status).to.equal(200);
    } finally {
      await running.stop();
    }
  });

  it('outside development, without SMTP_URL: no outbox, no forgot-password page, no link to it', async () => {
    const running = await startLatchkey();
    try {
      for (const path of ['/dev/mail', '/forgot-password', '/signup']) expect((await new Browser().get(`${running.url}${path}`)).status, path).to.equal(404);
      expect(running.latchkey.mail.enabled).to.equal(false);
    } finally {
      await running.stop();
    }
  });

  it('with SMTP_URL, even in development: no outbox page', async () => {
    const smtp = await startSmtp();
    const running = await startLatchkey({ env: { NODE_ENV: 'development', SMTP_URL: smtp.url } });
    try {
      expect((await new Browser().get(`${running.url}/dev/mail`)).status).to.equal(404);
    } finally {
      await running.stop();
      await smtp.stop();
    }
  });

  for (const store of ['memory', 'redis'] as const) {
    it(`SMTP down (${store} store): the request succeeds at once, the mail arrives once SMTP is back`, async () => {
      const smtp = await startSmtp();
      const running = await startLatchkey({ store, env: { SMTP_URL: smtp.url } });
      try {
        const user = await addUser(running);
        await smtp.stop();
        const started = Date.now();
        const page = await askForLink(running.url, user.email);
        expect(page.status).to.equal(200);
        expect(textOf(page)).to.contain('If an account uses');
        expect(Date.now() - started).to.be.below(2_000);
        await waitFor(async () => running.latchkey.mail.queue.backlog(), (n) => n === 1, { within: 5_000, what: 'the mail waiting for a retry' });
        await smtp.start();
        const mail = await smtp.waitFor(user.email, { within: 15_000 });
        expect(mail.subject).to.equal('Reset your Latchkey password');
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(smtp.to(user.email)).to.have.length(1);
      } finally {
        await running.stop();
        await smtp.stop();
      }
    });
  }
});
