// Whether a sign-in needs a second factor: the one decision, pure, that the sign-in page and the
// step-up check of oidc-provider's login prompt both ask. Its inputs are what is known once the
// password is right: the account's factors, the client's setting, the request, the global policy,
// and (from the risk model, when it is wired in) a verdict on this sign-in.
//
//   MFA_POLICY=optional  a person who set up a second factor is asked for it at every sign-in
//   MFA_POLICY=adaptive  only when the sign-in is unusual (the risk model's require; an unscored
//                        sign-in counts as unusual), or the app or client asks for it
//   MFA_POLICY=required  and a person without one cannot sign in to an app until they set one up
//                        (the account console, where they do that, still lets them in)
//   require_mfa: true    (client metadata) that client's sign-ins need a second factor
//   acr_values=…mfa      the app asks for a second factor this time (step-up)
//   risk: 'require'      the risk model finds this sign-in unusual: a person with a factor is
//                        asked for it; one without, when mail can be sent, for a code mailed to
//                        the account's address (issue 13); without mail, let in (with an alert)
import { ACR_MFA, ACR_PASSWORD, type MfaPolicy } from '../../config/authentication.ts';

export interface SecondFactorQuestion {
  /** `canEmail`: a code can be mailed to the account's address (mail is enabled). */
  account: { hasFactor: boolean; canEmail?: boolean };
  client: { requireMfa: boolean; firstParty: boolean };
  params: { acr_values?: unknown };
  policy: MfaPolicy;
  /** The risk model's verdict on this sign-in, when there is one. */
  risk?: 'allow' | 'require';
}

/**
 * `none`: the password is enough. `factor`: ask for the second factor. `enrol`: one is needed
 * but the account has none: say to set one up in the account console, and do not sign in.
 * `email`: the risk model asked for more than the password of an account without a factor:
 * a code mailed to the account's address (not a factor of the person's own: see
 * authenticationMethods).
 */
export type SecondFactorAnswer = { need: 'none' } | { need: 'factor'; why: SecondFactorReason } | { need: 'enrol'; why: SecondFactorReason } | { need: 'email'; why: 'risk' };
export type SecondFactorReason = 'enrolled' | 'policy' | 'client' | 'acr_values' | 'risk';

export function acrValuesAskMfa(acrValues: unknown): boolean {
  return typeof acrValues === 'string' && acrValues.split(' ').includes(ACR_MFA);
}

export function secondFactorNeeded({ account, client, params, policy, risk }: SecondFactorQuestion): SecondFactorAnswer {
  const why: SecondFactorReason | undefined = acrValuesAskMfa(params.acr_values)
    ? 'acr_values'
    : client.requireMfa
      ? 'client'
      : risk === 'require'
        ? 'risk'
        : policy === 'required' && !client.firstParty
          ? 'policy'
          : undefined;
  if (account.hasFactor) {
    // Adaptive: a sign-in that fits the person's pattern, with nothing else asking, needs no code.
    if (policy === 'adaptive' && !why) return { need: 'none' };
    return { need: 'factor', why: why ?? 'enrolled' };
  }
  if (!why) return { need: 'none' };
  // Until a person has a factor, the risk model's "require" cannot be met by one: a code mailed
  // to the account's address stands in when mail can be sent; without mail the sign-in is let in
  // (the alert rule `unusual_signin` tells the operator and the person). Never a refusal.
  if (why === 'risk') return account.canEmail ? { need: 'email', why: 'risk' } : { need: 'none' };
  // The account console is where a factor is set up: refusing it would leave no way in.
  if (client.firstParty && why !== 'client' && why !== 'acr_values') return { need: 'none' };
  return { need: 'enrol', why };
}

/** The amr and acr of a sign-in with a passkey: after the password, or alone (passwordless: a
 * passkey verifies the person too, PIN or biometrics, so it is two factors by itself). */
export function passkeyMethods(method: 'swk' | 'hwk', afterPassword: boolean): { amr: string[]; acr: string } {
  return { amr: afterPassword ? ['pwd', method, 'mfa'] : [method, 'mfa'], acr: ACR_MFA };
}

/**
 * The amr and acr of a finished sign-in. RFC 8176: pwd, otp (a TOTP code), mfa. A code mailed to
 * the account's address (`email`) proves control of the mailbox, not a factor of the person's
 * own, and RFC 8176 has no value for it: the sign-in stays `pwd` at the password's acr (the audit
 * event `signin.succeeded` says the email check was passed).
 */
export function authenticationMethods(used: 'password' | 'totp' | 'recovery' | 'email'): { amr: string[]; acr: string } {
  if (used === 'totp') return { amr: ['pwd', 'otp', 'mfa'], acr: ACR_MFA };
  if (used === 'recovery') return { amr: ['pwd', 'mfa'], acr: ACR_MFA };
  // 'email' and 'password' alike.
  return { amr: ['pwd'], acr: ACR_PASSWORD };
}
