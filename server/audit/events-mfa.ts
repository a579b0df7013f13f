// Audit events of second factors: set up, removed, recovery codes made, and a wrong second step
// at sign-in (someone who got past the password).
import { z } from 'zod';
import { defineEvent } from './define.ts';
import { passkeyFailure } from './events-signin.ts';
import { actorOf, clientId, sub } from './fields.ts';

export const MFA_FACTORS = ['totp', 'passkey'] as const;
export const SECOND_STEP_FACTORS = ['totp', 'recovery', 'email', 'passkey'] as const;

const factor = z.enum(MFA_FACTORS).describe('The factor: `totp`, an authenticator app (RFC 6238); `passkey`, a WebAuthn credential');

export const mfaEnrolled = defineEvent('mfa.enrolled', 1, {
  summary: 'A person set up a second factor.',
  audience: 'person',
  source: 'account console, POST /account/security/totp (after a fresh sign-in and a first code) or POST /account/security/passkeys',
  actor: actorOf('account'),
  fields: { account: sub, factor },
});

export const mfaRemoved = defineEvent('mfa.removed', 1, {
  summary: 'A person removed a second factor (and with the last one, their recovery codes).',
  audience: 'person',
  source: 'account console, POST /account/security/totp/remove or /account/security/passkeys/:id/remove (after a fresh sign-in)',
  actor: actorOf('account'),
  fields: { account: sub, factor },
});

export const mfaRecoveryCodesGenerated = defineEvent('mfa.recovery_codes_generated', 1, {
  summary: 'Ten new recovery codes were made for a person; any older ones stopped working.',
  audience: 'person',
  source: 'account console: with the first factor, or POST /account/security/recovery-codes',
  actor: actorOf('account'),
  fields: {
    account: sub,
    how: z.enum(['enrolment', 'regenerated']).describe('`enrolment`: with the first factor; `regenerated`: the person asked for new ones'),
  },
});

export const mfaReset = defineEvent('mfa.reset', 1, {
  summary: 'Support staff removed every second factor and recovery code of an account (a person who lost them all).',
  audience: 'person',
  source: 'POST /admin/users/reset-mfa (`latchkey users reset-mfa`)',
  actor: actorOf('admin'),
  fields: { account: sub },
});

export const signinSecondFactorFailed = defineEvent('signin.second_factor_failed', 1, {
  summary: 'A sign-in got past the password but not the second factor.',
  audience: 'person',
  source: 'second-factor form (server/interactions/second-factor.ts), a passkey given as the second step (server/interactions/passkey-sign-in.ts), or the email check of an unusual sign-in (server/interactions/email-check.ts)',
  actor: actorOf('anonymous'),
  fields: {
    account: sub.describe('The account whose password was given'),
    client: clientId.describe('The client the person was signing in to'),
    factor: z.enum(SECOND_STEP_FACTORS).describe('What was given: an authenticator code (`totp`), a recovery code (`recovery`), a code mailed to the account (`email`: the risk model asked, and the account has no second factor), or a passkey (`passkey`)'),
    reason: z.enum(['wrong', 'throttled']).describe('`wrong`: a wrong or spent code, or a passkey not accepted; `throttled`: refused before checking, too many wrong codes or passkeys'),
    passkeyFailure: passkeyFailure.optional().describe('With a passkey not accepted: why'),
  },
  operatorOnly: ['passkeyFailure'],
});
