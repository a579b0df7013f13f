// A signing key revoked: the operator's own act, but one that says a private key may be in
// other hands, so everyone on call should hear of it, not only whoever typed the command.
import { defineRule } from '../rule.ts';
import { duration } from '../words.ts';

export const signingKeyRevoked = defineRule({
  rule: 'signing_key_revoked',
  severity: 'high',
  description: 'A signing key was revoked as compromised; tokens it signed no longer verify.',
  thresholdsInWords: ({ signingKeyRevoked: t }) => `every revocation; again for the same key after ${duration(t.cooldownMs)}`,
  cooldownMs: (t) => t.signingKeyRevoked.cooldownMs,
  on: ['key.revoked'],
  evaluate(event) {
    return [
      {
        subject: event.kid,
        ip: event.ip,
        summary: `Signing key ${event.kid} (${event.alg}) was revoked by ${event.actor.id}${event.wasSigning ? ' while it was the signing key' : ''}: treat it as compromised. Tokens it signed no longer verify, so people may have to sign in again.`,
        evidence: { kid: event.kid, alg: event.alg, wasSigning: event.wasSigning, by: event.actor.id },
      },
    ];
  },
});
