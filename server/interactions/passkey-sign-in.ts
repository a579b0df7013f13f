// Signing in with a passkey (WebAuthn), from the sign-in page's script (views/static/passkeys.js):
//   GET  /interaction/:uid/passkey/options   a challenge: for any discoverable passkey (the login
//                                            page: passwordless), or for the passkeys of the
//                                            account whose password was just given (second step)
//   POST /interaction/:uid/passkey           the browser's assertion (JSON, with the CSRF token);
//                                            answers { location } to go on to, or { error }
// A passkey checks the person as well (PIN, fingerprint): alone it signs in with two factors.
//
// An assertion not accepted is a failed sign-in like a wrong password, and is throttled, audited
// and told to the account's owner like one:
// - alone (no password), it spends the password form's own budgets (security/sign-in-throttle.ts)
//   under the login it names: the email of the account whose credential it names, or for a
//   credential no account has, `passkey:` and its id. So a browser that signed in to the account
//   before keeps a budget of its own, and nobody's failures hold the owner up there.
// - as the second step after the password, it spends the second factor's `passkey` budgets
//   (security/second-factor-throttle.ts), never the password's.
// A body that names no credential tests nothing, and counts for nothing.
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { normalizeEmail, type User, type Users } from '../accounts/users.ts';
import { temporarilyUnavailable } from '../errors.ts';
import { verifyCsrf } from '../http/csrf.ts';
import { credentialIdOf, type PasskeyFailure } from '../mfa/passkey-failures.ts';
import type { PasskeyUse, Passkeys } from '../mfa/passkeys.ts';
import { passkeyMethods } from '../mfa/policy.ts';
import { inWords } from '../security/decisions.ts';
import type { Device, DeviceCookies } from '../security/device-cookie.ts';
import type { Pseudonym } from '../security/pseudonyms.ts';
import type { SecondFactorThrottle } from '../security/second-factor-throttle.ts';
import type { SignInThrottle } from '../security/sign-in-throttle.ts';
import type { RiskCheck, RiskVerdict } from './risk-check.ts';
import type { SecondFactorStep, SecondStepTold } from './second-factor.ts';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface PasskeySignInDeps {
  provider: () => Provider;
  users: Users;
  passkeys: Passkeys;
  secondFactor: SecondFactorStep;
  devices: DeviceCookies;
  signInThrottle: SignInThrottle;
  secondFactorThrottle: SecondFactorThrottle;
  pseudonym: Pseudonym;
  logger: Logger;
  cookieSecrets: string[];
  csrfCookie: string;
  /** A sign-in finished with a passkey: for the audit trail and the person's activity. */
  signedIn: (ctx: Context, what: { sub: string; clientId: string; amr: string[]; sessionUid?: string; risk?: RiskVerdict }) => void;
  /** A passkey alone (no password) not accepted, or throttled: for the audit trail and, when it
   * names an account, that person's activity. `login` as the throttle names it. */
  signInFailed: (ctx: Context, what: { outcome: 'passkey_rejected' | 'disabled' | 'throttled'; login: string; sub?: string; clientId: string; failure?: PasskeyFailure }) => void;
  /** A passkey given as the second step, not accepted or throttled (as second-factor.ts tells). */
  told: SecondStepTold;
}

/** Scores a finished sign-in again for the risk model to learn (routes.ts): undefined without one. */
export type LearnSignIn = (ctx: Context, sub: string) => Promise<Pick<RiskCheck, 'verdict' | 'admitted'> | undefined>;

const NOT_ACCEPTED = 'That passkey was not accepted. Try again, or sign in another way.';
const tooManyAlone = (seconds: number) =>
  `Too many attempts to sign in. Wait ${inWords(seconds)} and try again. If you did not make these attempts, someone else may be trying to get in: nothing needs to be done, and signing in from a browser you have signed in with before is not held up.`;
const tooManySecond = (seconds: number) => `Too many passkeys were not accepted. Wait ${inWords(seconds)} and try again, or use another of your second factors.`;

/** Answered to the page's script: `{ error }` with a status. */
class Refusal {
  readonly status: number;
  readonly error: string;
  readonly retryAfter?: number;
  constructor(status: number, error: string, retryAfter?: number) {
    this.status = status;
    this.error = error;
    if (retryAfter !== undefined) this.retryAfter = retryAfter;
  }
}

export function passkeySignIn(deps: PasskeySignInDeps) {
  const { passkeys } = deps;
  const unavailable = (err: unknown) => {
    throw temporarilyUnavailable('We cannot sign you in right now. Try again in a moment.', 5, err);
  };

  /** A passkey alone: the password form's budgets, under the login the assertion names. */
  async function alone(ctx: Context, details: Details, response: AuthenticationResponseJSON, id: string, device: Device | undefined): Promise<{ user: User; use: PasskeyUse } | Refusal> {
    const clientId = String(details.params.client_id);
    const owner = await passkeys.ownerOf(id);
    const claimed = owner ? await deps.users.get(owner) : undefined;
    const login = claimed ? normalizeEmail(claimed.email) : `passkey:${id}`;
    const knownDevice = claimed ? deps.devices.knownFor(device, login) : undefined;
    // One line per attempt, as the login form's: never the email nor the credential id.
    const log = (outcome: string, extra: Record<string, unknown>) =>
      deps.logger.info({ event: 'signin', via: 'passkey', outcome, clientId, account: deps.pseudonym('log-account', login), ip: ctx.ip, knownDevice: knownDevice !== undefined, requestId: ctx.state.requestId, ...extra }, 'sign-in attempt');
    const attempt = await deps.signInThrottle.begin({ email: login, ip: ctx.ip, knownDevice }).catch(unavailable);
    if (!attempt.allowed) {
      log('throttled', { reason: attempt.decision.reason, retryAfter: attempt.decision.retryAfter });
      deps.signInFailed(ctx, { outcome: 'throttled', login, sub: claimed?.sub, clientId });
      return new Refusal(429, tooManyAlone(attempt.decision.retryAfter), attempt.decision.retryAfter);
    }
    const check = await passkeys.authenticate(details.uid, response);
    // The credential's account gone since it was looked up: as if it had none.
    const failure = !check.ok ? check.failure : claimed?.sub !== check.use.sub ? 'unknown_credential' : undefined;
    if (failure || !check.ok || !claimed || claimed.disabled) {
      await attempt.failed();
      const outcome = failure ? 'passkey_rejected' : 'disabled';
      log(outcome, { ...(claimed ? { sub: claimed.sub } : {}), ...(failure ? { passkeyFailure: failure } : {}) });
      deps.signInFailed(ctx, { outcome, login, sub: claimed?.sub, clientId, ...(failure ? { failure } : {}) });
      return new Refusal(400, NOT_ACCEPTED);
    }
    await attempt.succeeded();
    log('succeeded', { sub: claimed.sub, ...(attempt.delayedMs ? { delayedMs: attempt.delayedMs } : {}) });
    return { user: claimed, use: check.use };
  }

  /** The second step after the password of `sub`: the second factor's `passkey` budgets. */
  async function afterPassword(ctx: Context, details: Details, response: AuthenticationResponseJSON, sub: string, device: Device | undefined): Promise<{ user: User; use: PasskeyUse } | Refusal> {
    const clientId = String(details.params.client_id);
    const user = await deps.users.get(sub);
    if (!user || user.disabled) return new Refusal(400, NOT_ACCEPTED);
    const attempt = { kind: 'passkey' as const, sub, ip: ctx.ip, knownDevice: deps.devices.knownFor(device, normalizeEmail(user.email)) };
    const decision = await deps.secondFactorThrottle.check(attempt);
    if (decision.kind === 'refuse') {
      deps.told(ctx, { outcome: 'throttled', sub, clientId, factor: 'passkey' });
      return new Refusal(429, tooManySecond(decision.retryAfter), decision.retryAfter);
    }
    const check = await passkeys.authenticate(details.uid, response, sub);
    if (!check.ok) {
      await deps.secondFactorThrottle.failed(attempt);
      deps.told(ctx, { outcome: 'failed', sub, clientId, factor: 'passkey', passkeyFailure: check.failure });
      return new Refusal(400, NOT_ACCEPTED);
    }
    return { user, use: check.use };
  }

  return {
    routes(router: Router, load: (ctx: Context) => Promise<Details>, learn?: LearnSignIn) {
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
        const id = details.prompt.name === 'login' ? credentialIdOf(body?.response) : undefined;
        const pending = deps.secondFactor.pendingSub(ctx, details.uid);
        const device = deps.devices.read(ctx);
        const result = !id ? new Refusal(400, NOT_ACCEPTED) : pending ? await afterPassword(ctx, details, body!.response!, pending, device) : await alone(ctx, details, body!.response!, id, device);
        if (result instanceof Refusal) {
          ctx.status = result.status;
          if (result.retryAfter) ctx.set('Retry-After', String(result.retryAfter));
          ctx.body = { error: result.error };
          return;
        }
        const { user, use } = result;
        const { amr, acr } = passkeyMethods(use.method, pending !== undefined);
        if (pending) deps.secondFactor.clearPending(ctx);
        // Learnt like a password sign-in finished by its second factor (routes.ts): scored on
        // this request's features, recorded once the sign-in is through.
        const risk = await learn?.(ctx, user.sub);
        const deviceId = deps.devices.remember(ctx, device, normalizeEmail(user.email));
        deps.signedIn(ctx, { sub: user.sub, clientId: String(details.params.client_id), amr, sessionUid: details.session?.uid, ...(risk?.verdict ? { risk: risk.verdict } : {}) });
        const location = await deps.provider().interactionResult(ctx.req, ctx.res, { login: { accountId: user.sub, amr, acr } }, { mergeWithLastSubmission: false });
        await risk?.admitted(deviceId);
        ctx.body = { location };
      });
    },
  };
}

export type PasskeySignIn = ReturnType<typeof passkeySignIn>;
