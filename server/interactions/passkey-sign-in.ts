// Signing in with a passkey (WebAuthn), from the sign-in page's script (views/static/passkeys.js):
//   GET  /interaction/:uid/passkey/options   a challenge: for any discoverable passkey (the login
//                                            page: passwordless), or for the passkeys of the
//                                            account whose password was just given (second step)
//   POST /interaction/:uid/passkey           the browser's assertion (JSON, with the CSRF token);
//                                            answers { location } to go on to, or { error }
// A passkey checks the person as well (PIN, fingerprint): alone it signs in with two factors.
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { normalizeEmail, type Users } from '../accounts/users.ts';
import { verifyCsrf } from '../http/csrf.ts';
import type { Passkeys } from '../mfa/passkeys.ts';
import { passkeyMethods } from '../mfa/policy.ts';
import type { DeviceCookies } from '../security/device-cookie.ts';
import type { SecondFactorStep } from './second-factor.ts';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface PasskeySignInDeps {
  provider: () => Provider;
  users: Users;
  passkeys: Passkeys;
  secondFactor: SecondFactorStep;
  devices: DeviceCookies;
  cookieSecrets: string[];
  csrfCookie: string;
  /** A sign-in finished with a passkey: for the audit trail and the person's activity. */
  signedIn: (ctx: Context, what: { sub: string; clientId: string; amr: string[]; sessionUid?: string }) => void;
}

const NOT_ACCEPTED = 'That passkey was not accepted. Try again, or sign in another way.';

export function passkeySignIn(deps: PasskeySignInDeps) {
  const { passkeys } = deps;
  return {
    routes(router: Router, load: (ctx: Context) => Promise<Details>) {
      const json = bodyParser({ enableTypes: ['json'], jsonLimit: '32kb' });

      router.get('/:uid/passkey/options', async (ctx) => {
        const details = await load(ctx);
        if (details.prompt.name !== 'login') ctx.throw(400, 'This sign-in is not asking for a passkey.');
        const sub = deps.secondFactor.pendingSub(ctx, details.uid);
        ctx.set('Cache-Control', 'no-store');
        ctx.body = await passkeys.authenticationOptions(details.uid, sub);
      });

      router.post('/:uid/passkey', json, async (ctx) => {
        const body = ctx.request.body as { _csrf?: unknown; response?: AuthenticationResponseJSON } | undefined;
        verifyCsrf(ctx, deps.cookieSecrets, deps.csrfCookie, body?._csrf);
        const details = await load(ctx);
        ctx.set('Cache-Control', 'no-store');
        const refuse = () => {
          ctx.status = 400;
          ctx.body = { error: NOT_ACCEPTED };
        };
        if (details.prompt.name !== 'login' || !body?.response) return refuse();
        const pending = deps.secondFactor.pendingSub(ctx, details.uid);
        const use = await passkeys.authenticate(details.uid, body.response, pending);
        const user = use && (await deps.users.get(use.sub));
        if (!use || !user || user.disabled) return refuse();
        const { amr, acr } = passkeyMethods(use.method, pending !== undefined);
        if (pending) deps.secondFactor.clearPending(ctx);
        deps.devices.remember(ctx, deps.devices.read(ctx), normalizeEmail(user.email));
        deps.signedIn(ctx, { sub: user.sub, clientId: String(details.params.client_id), amr, sessionUid: details.session?.uid });
        const location = await deps.provider().interactionResult(ctx.req, ctx.res, { login: { accountId: user.sub, amr, acr } }, { mergeWithLastSubmission: false });
        ctx.body = { location };
      });
    },
  };
}

export type PasskeySignIn = ReturnType<typeof passkeySignIn>;
