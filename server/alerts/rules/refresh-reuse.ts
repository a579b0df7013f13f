// A refresh token presented after it was rotated: either two copies of one token are in use (a
// thief and the app) or an app misbehaves. Reuse detection has already revoked the grant; the
// alert tells the operator and the person why they were signed out.
import { defineRule } from '../rule.ts';
import { duration } from '../words.ts';

export const refreshTokenReuse = defineRule({
  rule: 'refresh_token_reuse',
  severity: 'high',
  description: 'A rotated refresh token was presented again: a copy of it may be in someone else’s hands.',
  thresholdsInWords: ({ refreshTokenReuse: t }) => `every detection; again for the same account and client after ${duration(t.cooldownMs)}`,
  cooldownMs: (t) => t.refreshTokenReuse.cooldownMs,
  on: ['token.refresh_reuse_detected'],
  evaluate(event) {
    const revoked = event.grantRevoked ? ' The grant was revoked, with every token of it.' : ' The grant was NOT revoked.';
    return [
      {
        subject: `${event.account}|${event.client}`,
        account: event.account,
        ip: event.ip,
        summary: `A refresh token of account ${event.account} at client ${event.client} was used again after it had been exchanged${event.consumedAt === undefined ? '' : ` (first used at ${new Date(event.consumedAt).toISOString()})`}.${revoked}`,
        personMessage: `We signed you out of “${event.client}” because a sign-in of yours there was used twice, which can mean someone copied it. Sign in again. If you did not expect this, change your password.`,
        evidence: {
          client: event.client,
          tokenIdHash: event.tokenIdHash,
          grantIdHash: event.grantIdHash,
          consumedAt: event.consumedAt ?? null,
          grantRevoked: event.grantRevoked,
        },
      },
    ];
  },
});
