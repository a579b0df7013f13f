// The second step of a sign-in: once the password is right (or, for a step-up, for a browser
// signed in already), a code from the authenticator app or a recovery code.
//   POST /interaction/:uid/second-factor   checks the code, finishes the login prompt
//
// Between the two steps the browser holds a signed cookie naming the interaction and the account
// (nothing else: no session exists until the second factor is given, so a password alone opens
// nothing, not even the account console). It is bound to the interaction's uid, which the
// interaction cookie binds to this browser, and lasts as long as an interaction at most.
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { MfaPolicy } from '../../config/authentication.ts';
import { normalizeEmail, type User, type Users } from '../accounts/users.ts';
import { verifyCsrf } from '../http/csrf.ts';
import { interactionPath, ROUTES } from '../http/routes.ts';
import type { Factors } from '../mfa/factors.ts';
import type { PasskeyFailure } from '../mfa/passkey-failures.ts';
import { authenticationMethods, secondFactorNeeded, type SecondFactorAnswer } from '../mfa/policy.ts';
import { looksLikeRecoveryCode } from '../mfa/recovery-codes.ts';
import { normalizeTotpCode } from '../mfa/totp.ts';
import { clientRequiresMfa } from '../provider/mfa-client-policy.ts';
import { STEP_UP_REASON } from '../provider/interaction-policy.ts';
import { inWords } from '../security/decisions.ts';
import type { DeviceCookies } from '../security/device-cookie.ts';
import type { SecondFactorKind, SecondFactorThrottle } from '../security/second-factor-throttle.ts';
import type { ClientSummary } from './client-summary.ts';
import type { Page } from './page.ts';
import type { RiskVerdict } from './risk-check.ts';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;
type LoginResult = Parameters<Provider['interactionFinished']>[2];

export interface SecondFactorDeps {
  provider: () => Provider;
  users: Users;
  factors: Factors;
  throttle: SecondFactorThrottle;
  devices: DeviceCookies;
  policy: MfaPolicy;
  /** A code can be mailed to the account instead, when the risk model asks and there is no
   * factor (mail enabled, email-check.ts wired). */
  canEmail?: boolean;
  /** Latchkey's own apps (the account console), where a factor is set up. */
  firstPartyClients: ReadonlySet<string>;
  page: Page;
  cookieSecrets: string[];
  csrfCookie: string;
  /** A second step failed or succeeded: for the audit trail and the person's activity. */
  told: SecondStepTold;
}

/** A second step failed or succeeded: for the audit trail and the person's activity. */
export type SecondStepTold = (ctx: Context, what: { outcome: 'failed' | 'throttled' | 'succeeded'; sub: string; clientId: string; factor: SecondFactorKind; amr?: string[]; sessionUid?: string; risk?: RiskVerdict; passkeyFailure?: PasskeyFailure }) => void;

const PENDING_SECONDS = 600;
const WRONG = 'That code is not right. Type the six digits your authenticator app shows now, or one of your recovery codes.';
const REPLAYED = 'That code was used already. Wait for your authenticator app to show the next one, and type that.';
const throttled = (seconds: number, kind: SecondFactorKind) =>
  `Too many wrong codes. Wait ${inWords(seconds)} and try again${kind === 'totp' ? ', or use one of your recovery codes' : ', or use the code from your authenticator app'}.`;

interface Pending {
  uid: string;
  sub: string;
  exp: number;
  /** 'email': the step is a code mailed to the account (email-check.ts), not a factor. */
  via?: 'email';
}

export function secondFactorStep(deps: SecondFactorDeps) {
  const { factors, page } = deps;
  const cookieName = (ctx: Context) => (ctx.secure ? '__Host-lk.second-factor' : 'lk.second-factor');
  const cookieOptions = (ctx: Context, maxAge?: number) => ({ httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, signed: true, overwrite: true, path: '/', ...(maxAge ? { maxAge } : {}) });

  const clearPending = (ctx: Context) => void ctx.cookies.set(cookieName(ctx), null, cookieOptions(ctx));

  function readPending(ctx: Context, uid: string): Pending | undefined {
    const raw = ctx.cookies.get(cookieName(ctx), { signed: true });
    if (!raw) return undefined;
    try {
      const pending = JSON.parse(Buffer.from(raw, 'base64url').toString()) as Pending;
      return pending.uid === uid && typeof pending.sub === 'string' && pending.exp > Date.now() / 1000 ? pending : undefined;
    } catch {
      return undefined;
    }
  }

  async function show(ctx: Context, details: Details, sub: string, client: ClientSummary, error?: string) {
    const status = await factors.status(sub);
    page(ctx, 'second-factor', {
      title: status.totp ? 'Enter your code' : 'Confirm it is you',
      action: interactionPath(details.uid, 'second-factor'),
      cancel: interactionPath(details.uid, 'abort'),
      totp: status.totp !== undefined,
      passkeys: status.passkeys.length > 0,
      passkeyOptions: `${interactionPath(details.uid)}/passkey/options`,
      passkeyAction: `${interactionPath(details.uid)}/passkey`,
      client,
      error,
    });
  }

  function holdPending(ctx: Context, uid: string, sub: string, via?: 'email') {
    const pending: Pending = { uid, sub, exp: Math.floor(Date.now() / 1000) + PENDING_SECONDS, ...(via ? { via } : {}) };
    ctx.cookies.set(cookieName(ctx), Buffer.from(JSON.stringify(pending)).toString('base64url'), cookieOptions(ctx, PENDING_SECONDS * 1000));
  }

  return {
    /** The account whose password this browser gave for this interaction, if it did (and the
     * step it was sent on to: a factor, or with `via: 'email'` a mailed code). */
    pendingSub: (ctx: Context, uid: string, via?: 'email') => {
      const pending = readPending(ctx, uid);
      return pending && pending.via === via ? pending.sub : undefined;
    },
    holdPending,
    clearPending,

    /**
     * Whether this sign-in of `sub` needs a second factor: the one question, asked once the
     * password is right. The risk model's verdict goes in as `risk` (server/mfa/policy.ts).
     */
    async needed(details: Details, sub: string, risk?: 'allow' | 'require'): Promise<SecondFactorAnswer> {
      const clientId = String(details.params.client_id);
      const [status, client] = await Promise.all([factors.status(sub), deps.provider().Client.find(clientId)]);
      return secondFactorNeeded({
        account: { hasFactor: status.hasFactor, canEmail: deps.canEmail ?? false },
        client: { requireMfa: clientRequiresMfa(client), firstParty: deps.firstPartyClients.has(clientId) },
        params: { acr_values: details.params.acr_values },
        policy: deps.policy,
        ...(risk ? { risk } : {}),
      });
    },

    /** A login prompt that asks only for a second factor (a signed-in browser stepping up). */
    stepUpOnly: (details: Details) => details.prompt.name === 'login' && details.session?.accountId !== undefined && details.prompt.reasons.length === 1 && details.prompt.reasons[0] === STEP_UP_REASON,

    /** Shows the second step (or, with no factor to give, says how to set one up). */
    async ask(ctx: Context, details: Details, sub: string, answer: Exclude<SecondFactorAnswer, { need: 'none' | 'email' }>, client: ClientSummary) {
      if (answer.need === 'enrol') {
        ctx.status = 403;
        return page(ctx, 'second-factor-needed', { title: 'Set up a second factor first', client, cancel: interactionPath(details.uid, 'abort'), security: `${ROUTES.account.path}/security`, why: answer.why });
      }
      holdPending(ctx, details.uid, sub);
      await show(ctx, details, sub, client);
    },

    routes(router: Router, load: (ctx: Context) => Promise<Details>, clientOf: (details: Details) => Promise<ClientSummary>, finish: (ctx: Context, result: LoginResult, deviceId?: string) => Promise<unknown>, expired: Error) {
      const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
      router.post('/:uid/second-factor', form, async (ctx) => {
        const body = ctx.request.body as Record<string, unknown> | undefined;
        verifyCsrf(ctx, deps.cookieSecrets, deps.csrfCookie, body?._csrf);
        const details = await load(ctx);
        const pending = details.prompt.name === 'login' ? readPending(ctx, details.uid) : undefined;
        // A browser sent on to a mailed code has no factor to give here.
        if (!pending || pending.via) throw expired;
        const user: User | undefined = await deps.users.get(pending.sub);
        if (!user || user.disabled) throw expired;
        const clientId = String(details.params.client_id);
        const again = async (status: number, error: string) => {
          ctx.status = status;
          await show(ctx, details, user.sub, await clientOf(details), error);
        };
        const input = typeof body?.code === 'string' ? body.code.slice(0, 64) : '';
        const kind: SecondFactorKind | undefined = normalizeTotpCode(input) ? 'totp' : looksLikeRecoveryCode(input) ? 'recovery' : undefined;
        // Nothing that could be a code tests nothing: nothing to count.
        if (!kind) return again(400, WRONG);
        const email = normalizeEmail(user.email);
        const device = deps.devices.read(ctx);
        const attempt = { kind, sub: user.sub, ip: ctx.ip, knownDevice: deps.devices.knownFor(device, email) };
        const decision = await deps.throttle.check(attempt);
        if (decision.kind === 'refuse') {
          deps.told(ctx, { outcome: 'throttled', sub: user.sub, clientId, factor: kind });
          ctx.set('Retry-After', String(decision.retryAfter));
          return again(429, throttled(decision.retryAfter, kind));
        }
        const verdict = kind === 'totp' ? await factors.verifyTotp(user.sub, input) : (await factors.useRecoveryCode(user.sub, input)) ? 'ok' : 'wrong';
        if (verdict !== 'ok') {
          await deps.throttle.failed(attempt);
          deps.told(ctx, { outcome: 'failed', sub: user.sub, clientId, factor: kind });
          return again(401, verdict === 'replayed' ? REPLAYED : WRONG);
        }
        const { amr, acr } = authenticationMethods(kind);
        clearPending(ctx);
        // Only now is this browser one that signed in to the account (device-cookie.ts).
        const deviceId = deps.devices.remember(ctx, device, email);
        deps.told(ctx, { outcome: 'succeeded', sub: user.sub, clientId, factor: kind, amr, sessionUid: details.session?.uid });
        await finish(ctx, { login: { accountId: user.sub, amr, acr } }, deviceId);
      });
    },
  };
}

export type SecondFactorStep = ReturnType<typeof secondFactorStep>;
