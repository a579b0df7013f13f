// The learned risk model's verdicts (server/interactions/risk-check.ts), carried by the sign-in
// events: a sign-in with the right password that did not look like the account's owner. One rule
// for those let in (an account with a second factor was asked for it; one without, for a code
// mailed to its address when mail can be sent, or else let in on the password alone) and one for
// those refused.
import { defineRule } from '../rule.ts';
import { duration } from '../words.ts';

const listed = (reasons: string[]) => (reasons.length ? reasons.join('; ') : 'no single reason stood out');

export const unusualSignIn = defineRule({
  rule: 'unusual_signin',
  severity: 'medium',
  description:
    'A sign-in with the right password that the risk model found unusual for this account (its decision `require`: a second factor is asked for; an account without one is asked for a code mailed to it, or let in when no mail can be sent).',
  thresholdsInWords: ({ unusualSignIn: t }) => `every such sign-in (score at or above \`RISK_STEP_UP_THRESHOLD\`); again for the same account after ${duration(t.cooldownMs)}`,
  cooldownMs: (t) => t.unusualSignIn.cooldownMs,
  on: ['signin.succeeded'],
  evaluate(event) {
    if (event.risk?.decision !== 'require') return [];
    const { reasons, score } = event.risk;
    const asked = event.emailCheck ? 'The account has no second factor: the code mailed to its address was asked for and typed.' : 'No second factor was asked for: it was let in.';
    return [
      {
        subject: event.account,
        account: event.account,
        ip: event.ip,
        summary: `Account ${event.account} signed in to ${event.client} in a way unusual for it (risk score ${score}): ${listed(reasons)}. ${asked}`,
        personMessage: `Your account was signed in to in a way that is unusual for you${reasons.length ? ` (${reasons.slice(0, 3).join(', ')})` : ''}. If this was you, say so on the sign-in below. If not, change your password now and sign out of your other sessions.`,
        evidence: { client: event.client, score, reasons: reasons.slice(0, 8) },
      },
    ];
  },
});

export const unusualSignInRefused = defineRule({
  rule: 'unusual_signin_refused',
  severity: 'high',
  description: 'A sign-in with the right password refused by the risk model (its decision `deny`): someone else may know the password.',
  thresholdsInWords: ({ unusualSignInRefused: t }) => `every such sign-in (score at or above \`RISK_DENY_THRESHOLD\`); again for the same account after ${duration(t.cooldownMs)}`,
  cooldownMs: (t) => t.unusualSignInRefused.cooldownMs,
  on: ['signin.failed'],
  evaluate(event) {
    if (event.reason !== 'risk_denied' || !event.account) return [];
    const reasons = event.risk?.reasons ?? [];
    return [
      {
        subject: event.account,
        account: event.account,
        ip: event.ip,
        summary: `A sign-in to account ${event.account} at ${event.client} with the right password was refused by the risk model${event.risk ? ` (score ${event.risk.score})` : ''}: ${listed(reasons)}. The person was shown the wrong-password page.`,
        personMessage: `We stopped a sign-in to your account that used your password but did not look like you${reasons.length ? ` (${reasons.slice(0, 3).join(', ')})` : ''}. If it was not you, someone knows your password: change it now. If it was you, say so on the sign-in below and try again.`,
        evidence: { client: event.client, score: event.risk?.score ?? null, reasons: reasons.slice(0, 8) },
      },
    ];
  },
});
