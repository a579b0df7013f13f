// Outgoing mail, built once per instance from the configuration: the transport (SMTP_URL, or
// development's outbox), the templates and the queue. `enabled` is false when there is nowhere to
// send (no SMTP_URL outside development): the flows that need mail are then not offered.
import type { Logger } from 'pino';
import type { Config } from '../../config/index.ts';
import type { Auditor } from '../audit/context.ts';
import type { Streams } from '../store/types.ts';
import { createOutbox, type Outbox } from './outbox.ts';
import { createMailQueue, type MailQueue } from './queue.ts';
import { mailRenderer, type RenderMail } from './templates.ts';
import { outboxTransport, smtpTransport, type MailTransport } from './transport.ts';

export type { MailJob, MailHandler } from './queue.ts';
export type { Outgoing } from './transport.ts';

export interface Mail {
  enabled: boolean;
  queue: MailQueue;
  render: RenderMail;
  transport: MailTransport;
  /** Development's outbox, when mail goes there. */
  outbox?: Outbox;
  from: string;
}

export async function createMail(config: Pick<Config, 'mail'>, streams: Streams, logger: Logger, auditor?: Auditor, options: { pollMs?: number; firstRetryMs?: number } = {}): Promise<Mail> {
  const { smtpUrl, from, outbox: useOutbox, claimAfterMs } = config.mail;
  const outbox = useOutbox ? createOutbox() : undefined;
  const transport: MailTransport = smtpUrl ? smtpTransport(smtpUrl, from) : outboxTransport(outbox ?? createOutbox(), from);
  const queue = await createMailQueue({ streams, transport, logger, auditor, claimAfterMs, ...options });
  return { enabled: Boolean(smtpUrl) || useOutbox, queue, render: mailRenderer(), transport, outbox, from };
}
