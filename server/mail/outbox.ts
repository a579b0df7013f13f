// Development's outbox: without SMTP_URL, in development only, mail is kept in process (the last
// 50) and shown at /dev/mail, so a person trying Latchkey can follow the links. Never in
// production: config/index.ts turns it on only when NODE_ENV is development.
import type { Outgoing } from './transport.ts';

export interface OutboxMessage extends Outgoing {
  from: string;
  at: number;
}

export interface Outbox {
  add(message: OutboxMessage): void;
  /** Newest first. */
  list(): OutboxMessage[];
}

const KEEP = 50;

export function createOutbox(): Outbox {
  const messages: OutboxMessage[] = [];
  return {
    add(message) {
      messages.unshift(message);
      messages.length = Math.min(messages.length, KEEP);
    },
    list: () => [...messages],
  };
}
