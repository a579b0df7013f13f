// Throttles of the requests that send mail (forgot password, sign-up): per address asked about
// (known or not: the count is by the pseudonym of the normalised email, so the answer says
// nothing about whether an account has it) and per client address. A request past either budget
// is refused for the rest of the window; the mail of a refused request is not sent.
import type { Store } from '../store/types.ts';
import { clientOf } from './addresses.ts';
import type { Pseudonym } from './pseudonyms.ts';

const HOUR = 3600;
export const MAIL_REQUEST_RULES = {
  /** One address: a person who did not find the first mail asks again a few times. */
  address: { points: 5, durationSeconds: HOUR },
  /** One client address: an office behind one NAT. */
  ip: { points: 30, durationSeconds: HOUR },
};

export interface MailThrottle {
  /** Counts the request; `retryAfter` (seconds) when it is over a budget. */
  check(kind: 'forgot' | 'signup' | 'email-change' | 'signin-code', email: string, ip: string): Promise<{ allowed: true } | { allowed: false; retryAfter: number }>;
}

export function createMailThrottle(store: Store, pseudonym: Pseudonym): MailThrottle {
  const byAddress = store.limiter('mail-request-address', MAIL_REQUEST_RULES.address);
  const byIp = store.limiter('mail-request-ip', MAIL_REQUEST_RULES.ip);
  return {
    async check(kind, email, ip) {
      const [address, client] = await Promise.all([byAddress.consume(pseudonym(`mail-${kind}`, email)), byIp.consume(pseudonym(`mail-${kind}-ip`, clientOf(ip)))]);
      const over = [address.consumed > MAIL_REQUEST_RULES.address.points ? address : undefined, client.consumed > MAIL_REQUEST_RULES.ip.points ? client : undefined].filter((s) => s !== undefined);
      if (!over.length) return { allowed: true };
      return { allowed: false, retryAfter: Math.max(1, Math.ceil(Math.max(...over.map((s) => s.msBeforeNext)) / 1000)) };
    },
  };
}
