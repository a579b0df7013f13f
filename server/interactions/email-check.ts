// The email check of a sign-in: the risk model found it unusual (`require`) and the account has
// no second factor to ask for, so a six-digit code is mailed to the account's address
// (mfa/policy.ts `need: 'email'`, mfa/email-code.ts) and asked for on a page like the code page.
//   POST /interaction/:uid/email-code          checks the code, finishes the login prompt
//   POST /interaction/:uid/email-code/resend   mails a new code (throttled per address)
//
// The browser holds second-factor.ts's signed cookie meanwhile, marked `via: 'email'`: only a
// browser sent here by the login form may ask for or try a code, and it cannot use that cookie
// for the factor pages. Wrong codes count on the second-factor throttle's own `email` counters,
// never the password's; each code is void after five tries.
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { normalizeEmail, type User, type Users } from '../accounts/users.ts';
import { verifyCsrf } from '../http/csrf.ts';
import { interactionPath } from '../http/routes.ts';
import type { EmailCodes } from '../mfa/email-code.ts';
import { authenticationMethods } from '../mfa/policy.ts';
import { inWords } from '../security/decisions.ts';
import type { DeviceCookies } from '../security/device-cookie.ts';
import type { MailThrottle } from '../security/mail-throttle.ts';
import type { SecondFactorThrottle } from '../security/second-factor-throttle.ts';
import type { ClientSummary } from './client-summary.ts';
import type { Page } from './page.ts';
import type { RiskVerdict } from './risk-check.ts';
import type { SecondFactorStep, SecondStepTold } from './second-factor.ts';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;
type LoginResult = Parameters<Provider['interactionFinished']>[2];

export interface EmailCheckDeps {
  users: Users;
  codes: EmailCodes;
  secondFactor: SecondFactorStep;
  throttle: SecondFactorThrottle;
  /** How many codes an address is sent (mail-throttle.ts, kind `signin-code`). */
  mailThrottle: MailThrottle;
  devices: DeviceCookies;
  /** Queues the mail of a new code: the mail queue's handler makes the code when it writes the
   * mail, so the queue never holds one (app/second-factor-stack.ts). */
  send: (ctx: Context, uid: string, sub: string, app: string) => Promise<void>;
  page: Page;
  cookieSecrets: string[];
  csrfCookie: string;
  told: SecondStepTold;
}

const WRONG = 'That code is not right. Type the six digits from the mail we just sent you.';
const VOID = 'That code no longer works: it expired, was used, or was typed wrong too many times. Send a new code and type the one in the newest mail.';
const throttled = (seconds: number) => `Too many wrong codes. Wait ${inWords(seconds)} and try again.`;
const tooManyMails = (seconds: number) => `We sent you several codes already. Wait ${inWords(seconds)} before asking for another; the newest code we sent still works for 10 minutes.`;

/** "j•••@example.com": enough for the person to know which mailbox, not the whole address. */
export function maskedAddress(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 1 ? '•••' : `${email[0]}•••${email.slice(at)}`;
}

export function emailCheck(deps: EmailCheckDeps) {
  const { page, codes } = deps;

  function show(ctx: Context, details: Details, user: User, client: ClientSummary, data: { error?: string; sent?: boolean } = {}) {
    page(ctx, 'second-factor-email', {
      title: 'Check your email',
      action: interactionPath(details.uid, 'email-code'),
      resend: interactionPath(details.uid, 'email-code/resend'),
      cancel: interactionPath(details.uid, 'abort'),
      to: maskedAddress(user.email),
      client,
      ...data,
    });
  }

  /** Mails a code, unless this address was sent too many: then the page says how long to wait. */
  async function mailCode(ctx: Context, details: Details, user: User, client: ClientSummary): Promise<{ sent: true } | { sent: false; retryAfter: number }> {
    const verdict = await deps.mailThrottle.check('signin-code', normalizeEmail(user.email), ctx.ip);
    if (!verdict.allowed) return { sent: false, retryAfter: verdict.retryAfter };
    await deps.send(ctx, details.uid, user.sub, client.name);
    return { sent: true };
  }

  async function pendingUser(ctx: Context, details: Details, expired: Error): Promise<User> {
    const sub = details.prompt.name === 'login' ? deps.secondFactor.pendingSub(ctx, details.uid, 'email') : undefined;
    const user = sub ? await deps.users.get(sub) : undefined;
    if (!user || user.disabled) throw expired;
    return user;
  }

  /** Mails a code and shows the page that asks for it; a 429 on it when too many were mailed. */
  async function mailAndShow(ctx: Context, details: Details, user: User, client: ClientSummary) {
    const mailed = await mailCode(ctx, details, user, client);
    if (!mailed.sent) {
      ctx.status = 429;
      ctx.set('Retry-After', String(mailed.retryAfter));
      return show(ctx, details, user, client, { error: tooManyMails(mailed.retryAfter) });
    }
    show(ctx, details, user, client, { sent: true });
  }

  return {
    /** After the right password: mails a code and shows the page that asks for it. */
    async ask(ctx: Context, details: Details, sub: string, client: ClientSummary) {
      const user = await deps.users.get(sub);
      if (!user) throw new Error('email check: the account is gone');
      deps.secondFactor.holdPending(ctx, details.uid, sub, 'email');
      await mailAndShow(ctx, details, user, client);
    },

    routes(router: Router, load: (ctx: Context) => Promise<Details>, clientOf: (details: Details) => Promise<ClientSummary>, finish: (ctx: Context, result: LoginResult, deviceId?: string) => Promise<RiskVerdict | undefined>, expired: Error) {
      const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
      const body = (ctx: Context) => ctx.request.body as Record<string, unknown> | undefined;

      router.post('/:uid/email-code/resend', form, async (ctx) => {
        verifyCsrf(ctx, deps.cookieSecrets, deps.csrfCookie, body(ctx)?._csrf);
        const details = await load(ctx);
        const user = await pendingUser(ctx, details, expired);
        const client = await clientOf(details);
        await mailAndShow(ctx, details, user, client);
      });

      router.post('/:uid/email-code', form, async (ctx) => {
        verifyCsrf(ctx, deps.cookieSecrets, deps.csrfCookie, body(ctx)?._csrf);
        const details = await load(ctx);
        const user = await pendingUser(ctx, details, expired);
        const clientId = String(details.params.client_id);
        const again = async (status: number, error: string) => {
          ctx.status = status;
          show(ctx, details, user, await clientOf(details), { error });
        };
        const input = typeof body(ctx)?.code === 'string' ? String(body(ctx)!.code).slice(0, 64) : '';
        // Nothing that could be a code tests nothing: nothing to count.
        if (!codes.normalize(input)) return again(400, WRONG);
        const email = normalizeEmail(user.email);
        const device = deps.devices.read(ctx);
        const attempt = { kind: 'email' as const, sub: user.sub, ip: ctx.ip, knownDevice: deps.devices.knownFor(device, email) };
        const decision = await deps.throttle.check(attempt);
        if (decision.kind === 'refuse') {
          deps.told(ctx, { outcome: 'throttled', sub: user.sub, clientId, factor: 'email' });
          ctx.set('Retry-After', String(decision.retryAfter));
          return again(429, throttled(decision.retryAfter));
        }
        const verdict = await codes.verify(details.uid, user.sub, input);
        if (verdict !== 'ok') {
          await deps.throttle.failed(attempt);
          deps.told(ctx, { outcome: 'failed', sub: user.sub, clientId, factor: 'email' });
          return again(401, verdict === 'void' ? VOID : WRONG);
        }
        const { amr, acr } = authenticationMethods('email');
        deps.secondFactor.clearPending(ctx);
        // Only now is this browser one that signed in to the account (device-cookie.ts).
        const deviceId = deps.devices.remember(ctx, device, email);
        // The risk model's verdict (scored again as the sign-in finishes) goes with the event: the
        // person's "this was me / this wasn't me" names the sign-in by it.
        const risk = await finish(ctx, { login: { accountId: user.sub, amr, acr } }, deviceId);
        deps.told(ctx, { outcome: 'succeeded', sub: user.sub, clientId, factor: 'email', amr, sessionUid: details.session?.uid, ...(risk ? { risk } : {}) });
      });
    },
  };
}

export type EmailCheck = ReturnType<typeof emailCheck>;
