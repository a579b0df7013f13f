// A suite's mail rig: a real SMTP server (smtp-server) and a Latchkey that mails through it,
// started before the suite and stopped after it. `env` adds to SMTP_URL; `options` are the rest of
// startLatchkey's.
import { startLatchkey, type Running, type StartOptions } from './latchkey.ts';
import { startSmtp, type TestSmtp } from './smtp.ts';

export interface MailRig {
  readonly smtp: TestSmtp;
  readonly running: Running;
}

export function withMail(env: Record<string, string> = {}, options: () => Omit<StartOptions, 'env'> = () => ({})): MailRig {
  let smtp: TestSmtp | undefined;
  let running: Running | undefined;
  before(async () => {
    smtp = await startSmtp();
    running = await startLatchkey({ ...options(), env: { SMTP_URL: smtp.url, ...env } });
  });
  after(async () => {
    await running?.stop();
    await smtp?.stop();
  });
  return {
    get smtp() {
      return smtp!;
    },
    get running() {
      return running!;
    },
  };
}
