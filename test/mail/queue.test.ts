// The mail queue over a real SMTP server: a queued mail arrives; while the SMTP server is down
// queuing still succeeds and the mail arrives once it is back, sent once; a failure is audited;
// a mail taken by an instance that stopped is sent by the next one (nothing lost to a restart);
// an entry that is no mail job is logged and skipped, never holding back the mail queued with it.
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { loadConfig } from '../../config/index.ts';
import type { Auditor } from '../../server/audit/context.ts';
import type { AuditEvent } from '../../server/audit/catalogue.ts';
import { createMail, type Mail } from '../../server/mail/index.ts';
import { MAIL_STREAM } from '../../server/mail/queue.ts';
import { createMemoryStore, openStore } from '../../server/store/index.ts';
import type { Store } from '../../server/store/types.ts';
import { testEnv } from '../support/latchkey.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';
import { waitFor } from '../support/wait.ts';

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

function auditorInto(events: AuditEvent[]): Auditor {
  return { record: (e) => void events.push(e), hashId: () => 'x', envelope: () => ({ at: Date.now() }) };
}

const configFor = (smtp: string, claim = '1') => loadConfig(testEnv('http://127.0.0.1:1', { SMTP_URL: smtp, MAIL_CLAIM_AFTER_SECONDS: claim }));

function withTestHandler(mail: Mail) {
  mail.queue.handle('test', async (job) => ({ to: String(job.data.to), ...mail.render('test', { issuer: 'https://id.example' }) }));
  mail.queue.start();
  return mail;
}

for (const kind of ['memory', 'redis'] as const) {
  describe(`the mail queue (${kind} store)`, function () {
    this.timeout(30_000);
    let smtp: TestSmtp;
    let redis: TestRedis | undefined;
    let store: Store;
    const open: Mail[] = [];

    before(async () => {
      smtp = await startSmtp();
      if (kind === 'redis') redis = await startRedis();
    });
    beforeEach(async () => {
      store = kind === 'redis' ? await openStore({ url: redis!.url, keyPrefix: `q${Math.random().toString(36).slice(2, 8)}:`, sentinelName: 'x' }) : createMemoryStore();
    });
    afterEach(async () => {
      for (const mail of open.splice(0)) await mail.queue.stop();
      await store.close();
      await smtp.start().catch(() => undefined);
    });
    after(async () => {
      await smtp.stop();
      await redis?.stop();
    });

    it('sends a queued mail through SMTP, text and HTML, from MAIL_FROM', async () => {
      const mail = withTestHandler(await createMail(configFor(smtp.url), store.streams, silent));
      open.push(mail);
      await mail.queue.enqueue({ kind: 'test', data: { to: `a-${kind}@example.com` } });
      const got = await smtp.waitFor(`a-${kind}@example.com`);
      expect(got.subject).to.equal('Latchkey test mail');
      expect(got.text).to.contain('The SMTP settings work');
      expect(got.html).to.contain('<h1').and.not.match(/<img|src=/i);
      expect(got.from).to.equal('no-reply@127.0.0.1');
    });

    it('queues while SMTP is down, audits the failure, and delivers once it is back, once', async () => {
      const events: AuditEvent[] = [];
      const mail = withTestHandler(await createMail(configFor(smtp.url, '60'), store.streams, silent, auditorInto(events), { firstRetryMs: 200 }));
      open.push(mail);
      await smtp.stop();
      const to = `down-${kind}@example.com`;
      await mail.queue.enqueue({ kind: 'test', account: 'sub-1', data: { to } });
      await waitFor(async () => events.length, (n) => n >= 1, { within: 5_000, what: 'the failure audited' });
      expect(events[0]).to.include({ type: 'mail.failed', kind: 'test', account: 'sub-1', gaveUp: false, attempts: 1 });
      expect(JSON.stringify(events[0])).not.to.contain(to);
      await smtp.start();
      await smtp.waitFor(to, { within: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(smtp.to(to)).to.have.length(1);
    });

    it('skips an entry that is no mail job, logged once, and sends the mail queued after it in the same batch', async () => {
      const lines: { msg?: string; id?: string }[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg?: string }));
          done();
        },
      });
      const mail = withTestHandler(await createMail(configFor(smtp.url), store.streams, pino({ level: 'debug' }, sink)));
      open.push(mail);
      const to = `after-garbage-${kind}@example.com`;
      // One append: both land in the one batch the queue reads next.
      const [broken, nothing] = await store.streams.append(MAIL_STREAM, ['{not json', 'null', JSON.stringify({ kind: 'test', data: { to }, queuedAt: Date.now() })], { maxEntries: 1000, maxAgeMs: 86_400_000 });
      await smtp.waitFor(to, { within: 10_000 });
      // Acknowledged: past the claim time (1 s), nobody takes them back to fail again.
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      await mail.queue.poll();
      const skipped = lines.filter((l) => l.msg === 'the mail queue: an unreadable entry; skipped');
      expect(skipped.map((l) => l.id).sort()).to.deep.equal([broken, nothing].sort());
      expect(smtp.to(to)).to.have.length(1);
      expect(mail.queue.backlog()).to.equal(0);
    });

    if (kind === 'redis') {
      it('sends a mail an instance took and could not send, after that instance stopped (a restart)', async () => {
        const first = withTestHandler(await createMail(configFor(smtp.url), store.streams, silent));
        await smtp.stop();
        const to = 'restart@example.com';
        await first.queue.enqueue({ kind: 'test', data: { to } });
        await waitFor(async () => first.queue.backlog(), (n) => n === 1, { within: 5_000, what: 'the first instance holding the mail' });
        await first.queue.stop();
        await smtp.start();
        const second = withTestHandler(await createMail(configFor(smtp.url), store.streams, silent));
        open.push(second);
        await smtp.waitFor(to, { within: 10_000 });
        expect(smtp.to(to)).to.have.length(1);
      });
    }
  });
}
