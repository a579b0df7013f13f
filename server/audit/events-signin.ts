// Audit events of people signing in and out: sign-in, consent, browser sessions, logout.
import { z } from 'zod';
import { defineEvent } from './define.ts';
import { PASSKEY_FAILURES } from '../mfa/passkey-failures.ts';
import { actorOf, clientId, idHash, scopes, sessionIdHash, sub } from './fields.ts';

export const SIGNIN_FAILURE_REASONS = ['unknown_account', 'wrong_password', 'disabled', 'throttled', 'risk_denied', 'passkey_rejected'] as const;

/** Why a passkey assertion was not accepted (server/mfa/passkey-failures.ts): operators only. */
export const passkeyFailure = z
  .enum(PASSKEY_FAILURES)
  .describe(
    'Why the passkey was not accepted: `no_challenge` (used already, expired or never asked for), `unknown_credential`, `other_account` (at the second step, another account’s passkey), `malformed`, `wrong_origin` (signed for another site: relayed), `wrong_challenge` (another sign-in’s assertion, replayed), `bad_signature` (signature, relying party or user verification), `counter` (the signature counter did not grow: a cloned authenticator)',
  );

/** What the risk model (server/risk/) made of a sign-in with the right password. */
export const signInRisk = z
  .strictObject({
    score: z.number().min(-1000).max(1000).describe('Natural log of the likelihood ratio, someone else : the owner (Freeman et al.); higher is more unusual'),
    decision: z.enum(['allow', 'require', 'deny']).describe('`require`: a second factor is asked for (allowed, with an alert, for an account that has none)'),
    reasons: z.array(z.string().min(1).max(256)).max(12).describe('What made it unusual, in words, strongest first ("first sign-in from Brazil", "new browser (Firefox on Linux)")'),
  })
  .meta({ id: 'SignInRisk', description: 'The risk model’s view of a sign-in: score, decision and reasons.' });

export const signinSucceeded = defineEvent('signin.succeeded', 1, {
  summary: 'A person signed in: with their password, and a second factor when one was asked for, or with a passkey (see `amr`).',
  audience: 'person',
  source: 'login form (server/interactions/routes.ts), after users.authenticate succeeds; or the second-factor form (server/interactions/second-factor.ts) after the code; or the email check (server/interactions/email-check.ts) after the mailed code; or a passkey, alone or after the password (server/interactions/passkey-sign-in.ts)',
  actor: actorOf('account'),
  fields: {
    account: sub.describe('The account signed in to'),
    client: clientId.describe('The client the person was signing in to'),
    sessionIdHash: sessionIdHash.optional(),
    amr: z.array(z.string().min(1).max(32)).max(8).describe('Authentication methods used (RFC 8176): `["pwd"]`, `["pwd", "otp", "mfa"]` with an authenticator code, `["pwd", "mfa"]` with a recovery code, `["swk", "mfa"]` (`hwk`: a security key) with a passkey alone, `["pwd", "swk", "mfa"]` after the password'),
    risk: signInRisk.optional().describe('What the risk model made of it (absent with `RISK=false`)'),
    emailCheck: z.literal(true).optional().describe('The risk model asked for more than the password, the account has no second factor, and the person typed the code mailed to its address (`amr` stays `["pwd"]`: a mailed code is not a factor of the person’s own)'),
  },
});

export const signinFailed = defineEvent('signin.failed', 1, {
  summary: 'A sign-in attempt failed.',
  audience: 'person',
  source: 'login form (server/interactions/routes.ts), when users.authenticate finds no active account with that password, or the risk model refuses the sign-in (server/interactions/risk-check.ts); or a passkey sign-in without a password (server/interactions/passkey-sign-in.ts) whose assertion is not accepted or is throttled',
  actor: actorOf('anonymous'),
  fields: {
    account: sub.optional().describe('The account the attempt named, when one exists (absent for an unknown email)'),
    loginHash: idHash.describe(
      'Hash of the normalised email typed in (for a passkey: its account’s email, or `passkey:` and the credential id when no account has it). Joins attempts at one login, existing or not, without storing what was typed: people type passwords into the email field.',
    ),
    client: clientId.describe('The client the person was signing in to'),
    reason: z.enum(SIGNIN_FAILURE_REASONS).describe('Why it failed (`passkey_rejected`: a passkey assertion not accepted, see `passkeyFailure`). Operator only: telling the person would reveal which emails have accounts.'),
    personSees: z
      .enum(['incorrect_email_or_password', 'too_many_attempts'])
      .describe('What the page told the person, and all they may learn: the same words for an unknown email, a wrong password, a disabled account and a sign-in the risk model refused.'),
    risk: signInRisk.optional().describe('With `risk_denied`: why the risk model refused a sign-in with the right password'),
    via: z.literal('passkey').optional().describe('The attempt was a passkey’s, without a password (absent: the login form’s password)'),
    passkeyFailure: passkeyFailure.optional().describe('With `passkey_rejected`: why the passkey was not accepted'),
  },
  operatorOnly: ['reason', 'loginHash', 'risk', 'passkeyFailure'],
});

export const signinFeedback = defineEvent('signin.feedback', 1, {
  summary: 'A person said a sign-in shown in their security activity was them, or was not: the risk model learns it.',
  audience: 'person',
  source: 'account console, “This was me” / “This wasn’t me” (server/account/routes.ts)',
  actor: actorOf('account'),
  fields: {
    account: sub,
    verdict: z.enum(['was_me', 'not_me']).describe('`not_me`: the sign-in is taken out of the history, and its network and device count against later ones'),
    signInAt: z.number().int().nonnegative().describe('When the sign-in was, epoch ms (what the console names it by)'),
  },
});

export const consentGranted = defineEvent('consent.granted', 1, {
  summary: 'A person allowed a client access to their account.',
  audience: 'person',
  source: 'consent form, Allow (server/interactions/routes.ts)',
  actor: actorOf('account'),
  fields: {
    account: sub,
    client: clientId,
    scopes: scopes.describe('Scopes granted'),
    claims: z.array(z.string().min(1).max(128)).max(64).optional().describe('Claims granted through the claims parameter'),
    resources: z.array(z.string().min(1).max(2048)).max(16).optional().describe('Resource servers (RFC 8707) the grant covers'),
    grantIdHash: idHash.describe('Hash of the grant id'),
  },
});

export const consentDenied = defineEvent('consent.denied', 1, {
  summary: 'A person refused a client access, or walked away from the consent page.',
  audience: 'person',
  source: 'consent form, Deny, or the abort link while the consent prompt is shown',
  actor: actorOf('account'),
  fields: {
    account: sub,
    client: clientId,
    scopes: scopes.describe('Scopes the client asked for'),
    how: z.enum(['denied', 'cancelled']).describe('`denied`: pressed Deny; `cancelled`: left through the cancel link'),
  },
});

export const sessionStarted = defineEvent('session.started', 1, {
  summary: 'A browser session began for an account.',
  audience: 'person',
  source: 'oidc-provider `interaction.ended` after a login result; or the Session model saved with a new accountId',
  actor: actorOf('account'),
  fields: {
    account: sub,
    sessionIdHash,
    client: clientId.optional().describe('The client whose sign-in started it'),
  },
});

export const sessionEnded = defineEvent('session.ended', 1, {
  summary: 'A browser session ended.',
  audience: 'person',
  source: 'oidc-provider `end_session.success` (logout), the Session model destroyed, an admin action',
  actor: actorOf('account', 'admin', 'system'),
  fields: {
    account: sub,
    sessionIdHash,
    cause: z
      .enum(['logout', 'expired', 'admin', 'account_disabled', 'replaced', 'account_console'])
      .describe('`logout`: RP-initiated logout; `replaced`: another account signed in in the same browser; `account_console`: the person signed it out on their account page'),
  },
});

export const backchannelLogoutSent = defineEvent('logout.backchannel_sent', 1, {
  summary: 'A back-channel logout token was sent to a client, or sending it failed.',
  audience: 'operator',
  source: 'oidc-provider `backchannel.success` / `backchannel.error`',
  actor: actorOf('system'),
  fields: {
    account: sub,
    client: clientId,
    sidHash: idHash.optional().describe('Hash of the `sid` the logout token carried: one per client and session, not the session’s uid'),
    delivered: z.boolean().describe('Whether the client answered 200'),
    error: z.string().max(256).optional().describe('Why delivery failed, as oidc-provider reported it'),
  },
});
