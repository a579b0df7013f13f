// The interaction policy: oidc-provider's default prompts (login, consent) plus one check, and
// the consent prompt not forced by a prompt=consent Latchkey added (offline-access.ts).
// A browser may still hold a session for a user who has since been disabled or removed:
// findAccount then finds no account, and without this check the login prompt would consider
// the session valid (it only looks at session.accountId) and consent would fail on the missing
// grant. Asking for a login instead shows the person the sign-in page.
import { interactionPolicy } from 'oidc-provider';
import { consentAddedIsNotForced } from './internals.ts';
import { OFFLINE_MARKER } from './offline-access.ts';

const { base, Check } = interactionPolicy;

export function createPolicy() {
  const policy = base();
  const login = policy.get('login')!;
  login.checks.add(
    new Check('account_unavailable', 'the account of this session is no longer available', (ctx) =>
      ctx.oidc.session?.accountId && !ctx.oidc.account ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
    0,
  );
  // offline_access without prompt=consent (offline-access.ts).
  consentAddedIsNotForced(policy, OFFLINE_MARKER);
  return policy;
}
