// A real SMTP server for tests (the smtp-server package) on a free port: it accepts every mail
// and keeps it, parsed (mailparser), so a test reads a mail and follows its link as a person
// would. It can be stopped and started again on the same port (an SMTP outage).
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './net.ts';
import { waitFor } from './wait.ts';

export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  parsed: ParsedMail;
}

export interface TestSmtp {
  url: string;
  port: number;
  mails: ReceivedMail[];
  /** The mails sent to an address so far. */
  to(address: string): ReceivedMail[];
  /** Waits until `count` mails reached the address; the newest. */
  waitFor(address: string, options?: { count?: number; within?: number; subject?: string }): Promise<ReceivedMail>;
  /** The first link of a mail's text that starts with `base`. */
  link(mail: ReceivedMail, base: string): string;
  /** Stops listening (connections refused) until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  const port = await freePort();
  const mails: ReceivedMail[] = [];
  let server: SMTPServer | undefined;
  const make = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((parsed) => {
            const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase()).join(',');
            mails.push({ to, from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', subject: parsed.subject ?? '', text: parsed.text ?? '', html: typeof parsed.html === 'string' ? parsed.html : '', parsed });
            callback();
          })
          .catch(callback);
      },
    });
  const smtp: TestSmtp = {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    to: (address) => mails.filter((m) => m.to === address.toLowerCase()),
    async waitFor(address, { count = 1, within = 10_000, subject } = {}) {
      const of = () => smtp.to(address).filter((m) => subject === undefined || m.subject === subject);
      const found = await waitFor(async () => of().length, (n) => n >= count, { within, what: `${count} mail(s)${subject ? ` "${subject}"` : ''} to ${address}` });
      return of()[found - 1]!;
    },
    link(mail, base) {
      const match = mail.text.match(new RegExp(`${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\s<>"]*`));
      if (!match) throw new Error(`no link to ${base} in the mail "${mail.subject}":\n${mail.text}`);
      return match[0];
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async start() {
      if (server) return;
      server = make();
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, '127.0.0.1', () => resolve());
      });
    },
  };
  await smtp.start();
  return smtp;
}
