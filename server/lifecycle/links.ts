// The links Latchkey mails (reset a password, verify an address, accept an invitation): each a
// random 256-bit token that is in the mail only. The store keeps its SHA-256 (as the id of a
// `MailLink` record, expiring with the link) with what it is for, whose account and which address
// it was sent to; it is consumed once, atomically (of two clicks, one wins). Tokens travel in the
// URL path (/reset-password/<token>), which the request log writes as `:token`
// (http/request-context.ts) and the pages send with `Referrer-Policy: no-referrer`.
import { createHash, randomBytes } from 'node:crypto';
import type { OidcStore } from '../store/types.ts';

export type LinkPurpose = 'reset' | 'verify' | 'invite' | 'email-change' | 'email-undo';

export interface Link {
  purpose: LinkPurpose;
  sub: string;
  /** The address the link was mailed to: the link is good only while the account has it. */
  email: string;
  /** An email change: the address the account moves to (or, undoing it, back to). */
  newEmail?: string;
}

const MODEL = 'MailLink';
// base64url of 32 bytes; anything else is not one of ours and is not looked up.
const SHAPE = /^[A-Za-z0-9_-]{43}$/;
const idOf = (token: string) => createHash('sha256').update(token).digest('hex');

export interface Links {
  /** A new link's token (for the mail only). */
  mint(link: Link, ttlSeconds: number): Promise<string>;
  /** The link, while it is unused and unexpired and for this purpose; nothing is consumed. */
  peek(purpose: LinkPurpose | LinkPurpose[], token: string): Promise<Link | undefined>;
  /** The link, used up: undefined when it was used already, expired, or is not for this purpose. */
  consume(purpose: LinkPurpose | LinkPurpose[], token: string): Promise<Link | undefined>;
  /** Uses up a link already peeked at: false when someone used it first (of two, one wins). */
  use(token: string): Promise<boolean>;
}

export function mailLinks(oidc: OidcStore): Links {
  const peek: Links['peek'] = async (purpose, token) => {
    if (!SHAPE.test(token)) return undefined;
    const payload = await oidc.find(MODEL, idOf(token));
    const wanted = Array.isArray(purpose) ? purpose : [purpose];
    if (!payload || payload.consumed || !wanted.includes(payload.purpose as LinkPurpose)) return undefined;
    return { purpose: payload.purpose as LinkPurpose, sub: String(payload.sub), email: String(payload.email), ...(typeof payload.newEmail === 'string' ? { newEmail: payload.newEmail } : {}) };
  };
  return {
    async mint(link, ttlSeconds) {
      const token = randomBytes(32).toString('base64url');
      await oidc.upsert(MODEL, idOf(token), { ...link }, ttlSeconds);
      return token;
    },
    peek,
    async consume(purpose, token) {
      const link = await peek(purpose, token);
      if (!link) return undefined;
      return (await oidc.consume(MODEL, idOf(token))) ? link : undefined;
    },
    use: (token) => (SHAPE.test(token) ? oidc.consume(MODEL, idOf(token)) : Promise.resolve(false)),
  };
}
