// The interaction policy: oidc-provider's default prompts (login, consent) plus one check, and
// the consent prompt not forced by a prompt=consent Latchkey added (offline-access.ts).
// A browser may still hold a session for a user who has since been disabled or removed:
// findAccount then finds no account, and without this check the login prompt would consider
// the session valid (it only looks at session.accountId) and consent would fail on the missing
// grant. Asking for a login instead shows the person the sign-in page.
// A second check asks for a login when a browser signed in already must give a second factor
// it has not given for this request (`second_factor`): an app that requires one (require_mfa,
// acr_values, MFA_POLICY) reached with a session signed in by password alone. The sign-in page
// then asks for the second factor only (interactions/routes.ts).
import type { KoaContextWithOIDC } from 'oidc-provider';
import { interactionPolicy } from 'oidc-provider';
import { consentAddedIsNotForced } from './internals.ts';
import { OFFLINE_MARKER } from './offline-access.ts';

const { base, Check } = interactionPolicy;

/** true when the signed-in session of this request must step up to a second factor. */
export type StepUp = (ctx: KoaContextWithOIDC) => Promise<boolean>;

export const STEP_UP_REASON = 'second_factor';

export function createPolicy(stepUp?: StepUp) {
  const policy = base();
  const login = policy.get('login')!;
  login.checks.add(
    new Check('account_unavailable', 'the account of this session is no longer available', (ctx) =>
      ctx.oidc.session?.accountId && !ctx.oidc.account ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
    0,
  );
  if (stepUp) {
    login.checks.add(
      new Check(STEP_UP_REASON, 'this request needs a second factor the session has not given', async (ctx) =>
        ctx.oidc.session?.accountId && ctx.oidc.account && (await stepUp(ctx)) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
      ),
    );
  }
  // offline_access without prompt=consent (offline-access.ts).
  consentAddedIsNotForced(policy, OFFLINE_MARKER);
  return policy;
}
