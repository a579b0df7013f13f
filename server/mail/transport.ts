// Where mail goes: an SMTP server (SMTP_URL, through nodemailer), or, in development without
// one, an in-process outbox a person can read at /dev/mail (outbox.ts).
import nodemailer from 'nodemailer';
import type { Outbox } from './outbox.ts';
import type { RenderedMail } from './templates.ts';

export interface Outgoing extends RenderedMail {
  to: string;
}

export interface MailTransport {
  /** Resolves once the server accepted the message; rejects otherwise. */
  send(message: Outgoing): Promise<void>;
  /** Connects and says hello (and authenticates): `latchkey mail test` and the doctor. */
  verify(): Promise<void>;
  close(): void;
  readonly kind: 'smtp' | 'outbox';
}

export function smtpTransport(url: string, from: string): MailTransport {
  const transporter = nodemailer.createTransport(url, { from });
  // A hung server must not hold the queue for minutes (nodemailer's defaults).
  Object.assign(transporter.options, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 });
  return {
    kind: 'smtp',
    async send({ to, subject, text, html }) {
      await transporter.sendMail({ from, to, subject, text, html, disableUrlAccess: true, disableFileAccess: true });
    },
    async verify() {
      await transporter.verify();
    },
    close: () => transporter.close(),
  };
}

export function outboxTransport(outbox: Outbox, from: string): MailTransport {
  return {
    kind: 'outbox',
    async send(message) {
      outbox.add({ ...message, from, at: Date.now() });
    },
    async verify() {},
    close() {},
  };
}
