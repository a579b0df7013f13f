// Login and consent: the interactions oidc-provider hands over to Latchkey's own pages.
//   GET  /interaction/:uid          shows the login or consent page the prompt asks for
//   POST /interaction/:uid/login    checks the password, finishes the login prompt (or asks for a second factor)
//   POST /interaction/:uid/second-factor   the second factor (second-factor.ts)
//   POST /interaction/:uid/email-code…     a code mailed to the account, for an unusual sign-in without a factor (email-check.ts)
//   GET|POST /interaction/:uid/passkey…    signing in with a passkey (passkey-sign-in.ts)
//   POST /interaction/:uid/consent  Allow or Deny, finishes the consent prompt
//   GET  /interaction/:uid/abort    the person walked away: access_denied to the client
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { Logger } from 'pino';
import type { ResourceServer } from '../../config/index.ts';
import { normalizeEmail, type SignInOutcome, type Users } from '../accounts/users.ts';
import { verifyCsrf } from '../http/csrf.ts';
import { badRequest, LatchkeyError, StoreUnavailableError, temporarilyUnavailable } from '../errors.ts';
import { inWords } from '../security/decisions.ts';
import { authenticationMethods } from '../mfa/policy.ts';
import type { InteractionAudit } from './audit.ts';
import type { DeviceCookies } from '../security/device-cookie.ts';
import type { Pseudonym } from '../security/pseudonyms.ts';
import type { SignInThrottle } from '../security/sign-in-throttle.ts';
import type { Render } from '../http/render.ts';
import { interactionPath, ROUTES } from '../http/routes.ts';
import { clientSummary, type ClientSummary } from './client-summary.ts';
import { consentView, grantFor, resourcesAsked, withoutPkce } from './consent.ts';
import { createPage } from './page.ts';
import { nextStep, type RiskChecks, type RiskVerdict } from './risk-check.ts';
import type { SecondFactorStep } from './second-factor.ts';
import type { PasskeySignIn } from './passkey-sign-in.ts';
import type { EmailCheck } from './email-check.ts';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface InteractionDeps {
  provider: () => Provider;
  users: Users;
  /** An API by its identifier, for the consent page's names and scope descriptions. */
  findApi: (identifier: string) => Promise<ResourceServer | undefined>;
  render: Render;
  issuer: string;
  cookieSecrets: string[];
  /** The name of the CSRF cookie (http/cookie-names.ts). */
  csrfCookie: string;
  logger: Logger;
  signInThrottle: SignInThrottle;
  devices: DeviceCookies;
  pseudonym: Pseudonym;
  /** Told what a person did here, for their own security activity (never waited on). */
  notice?: InteractionNotice;
  /** The audit trail's events of these pages. */
  audit?: InteractionAudit;
  /** The forgot-password page, linked from the login page when mail can be sent (lifecycle/). */
  forgotPasswordPath?: string;
  /** Security notices by mail (lifecycle/notify.ts): a sign-in from a browser that never signed in
   * to the account, a consent that gives an app offline access. Never waited on. */
  securityNotice?: (ctx: Context, sub: string, kind: 'new-device' | 'offline-access', app: string) => void;
  /** The learned risk model's check of a sign-in with the right password (risk-check.ts). */
  risk?: RiskChecks;
  /** The second step of a sign-in (second-factor.ts); without it, the password is enough. */
  secondFactor?: SecondFactorStep;
  /** Passkeys on the sign-in page and as the second step (passkey-sign-in.ts). */
  passkeys?: PasskeySignIn;
  /** The email check of an unusual sign-in without a factor (email-check.ts); only with mail. */
  emailCheck?: EmailCheck;
}

/** A sign-in to an existing account (successful or not) or a consent given, with the app's name. */
export type InteractionNotice = (
  ctx: Context,
  sub: string,
  what: { kind: 'signin.succeeded' | 'signin.failed' | 'signin.second_factor_failed' | 'consent.granted'; clientId: string; app: string; risk?: RiskVerdict; via?: 'passkey' },
) => void;

const LOGIN_FAILED = 'Incorrect email or password.';
// Says what happened and what to do, and nothing about whether the account exists.
const tooManyAttempts = (seconds: number) =>
  `Too many attempts to sign in. Wait ${inWords(seconds)} and try again. If you did not make these attempts, someone else may be trying to guess a password: nothing needs to be done, and signing in from a browser you have signed in with before is not held up.`;
const EXPIRED = new LatchkeyError(
  400,
  'interaction_expired',
  'This sign-in page has expired or was opened in another browser. Go back to the app you were signing in to and start again.',
);

function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

export function interactionRoutes({ provider, users, findApi, render, issuer, cookieSecrets, csrfCookie, logger, signInThrottle, devices, pseudonym, notice = () => {}, audit, risk: risks, secondFactor, emailCheck, passkeys, forgotPasswordPath, securityNotice }: InteractionDeps) {
  const router = new Router({ prefix: ROUTES.interaction.path });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  async function load(ctx: Context): Promise<Details> {
    let details: Details;
    try {
      details = await provider().interactionDetails(ctx.req, ctx.res);
    } catch (err) {
      // No interaction cookie, or no stored interaction behind it: the page has expired. Anything
      // else (the store unreachable) is not the person's doing and must not read like it was.
      if (err instanceof errors.SessionNotFound) throw EXPIRED;
      throw temporarilyUnavailable('We cannot sign you in right now. Try again in a moment.', 5, err);
    }
    // The interaction cookie decides which interaction this browser is in; a uid in the URL
    // that is not that one is a stale tab or a forged link.
    if (details.uid !== ctx.params.uid) throw EXPIRED;
    return details;
  }

  // One look-up per request: a sign-in names its app to the audit, the activity, the notices and
  // the next page, all from the same interaction details.
  const summaries = new WeakMap<Details, Promise<ClientSummary>>();
  function clientOf(details: Details): Promise<ClientSummary> {
    let summary = summaries.get(details);
    if (!summary) {
      summary = (async () => {
        const clientId = String(details.params.client_id);
        const client = await provider().Client.find(clientId);
        const redirectUri = typeof details.params.redirect_uri === 'string' ? details.params.redirect_uri : undefined;
        return client ? clientSummary(client, redirectUri) : { name: clientId };
      })();
      summaries.set(details, summary);
    }
    return summary;
  }

  async function finish(ctx: Context, result: Parameters<Provider['interactionFinished']>[2], merge: boolean) {
    await provider().interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.respond = false;
  }

  const page = createPage(render, issuer);
  // After the response: a failure is logged (Redis away only once, by the store), never the person's problem.
  const quiet = (what: string) => (err: unknown) => (err instanceof StoreUnavailableError ? logger.debug({ err }, what) : logger.warn({ err }, what));

  function showLogin(ctx: Context, details: Details, client: ClientSummary, email: string, error?: string) {
    page(ctx, 'login', {
      title: 'Sign in',
      action: interactionPath(details.uid, 'login'),
      cancel: interactionPath(details.uid, 'abort'),
      email,
      error,
      client,
      ...(passkeys ? { passkeyOptions: `${interactionPath(details.uid)}/passkey/options`, passkeyAction: `${interactionPath(details.uid)}/passkey` } : {}),
      forgot: forgotPasswordPath,
    });
  }

  router.get('/:uid', async (ctx) => {
    const details = await load(ctx);
    const client = await clientOf(details);
    if (secondFactor?.stepUpOnly(details)) {
      // Signed in already, with the password alone: this app needs the second factor too.
      const sub = details.session!.accountId!;
      const answer = await secondFactor.needed(details, sub);
      if (answer.need !== 'none' && answer.need !== 'email') return secondFactor.ask(ctx, details, sub, answer, client);
    }
    if (details.prompt.name === 'login') {
      const hint = details.params.login_hint;
      return showLogin(ctx, details, client, typeof hint === 'string' ? hint : '');
    }
    if (details.prompt.name === 'consent') {
      const account = details.session?.accountId ? await users.get(details.session.accountId) : undefined;
      if (!account) throw EXPIRED;
      const apis = new Map<string, ResourceServer>();
      for (const identifier of resourcesAsked(details)) {
        const api = await findApi(identifier);
        if (api) apis.set(identifier, api);
      }
      return page(ctx, 'consent', {
        title: 'Allow access',
        action: interactionPath(details.uid, 'consent'),
        client,
        user: { email: account.email, name: account.name },
        ...consentView(details, apis),
      });
    }
    throw badRequest(`unsupported prompt ${details.prompt.name}`);
  });

  router.post('/:uid/login', form, async (ctx) => {
    verifyCsrf(ctx, cookieSecrets, csrfCookie, field(ctx.request.body, '_csrf'));
    const details = await load(ctx);
    if (details.prompt.name !== 'login') throw EXPIRED;
    const email = field(ctx.request.body, 'email').trim();
    const password = field(ctx.request.body, 'password');
    const again = async (status: number, error: string) => {
      ctx.status = status;
      showLogin(ctx, details, await clientOf(details), email.slice(0, 320), error);
    };
    // Nothing typed tests no password: nothing to count.
    if (!email || !password) return again(401, LOGIN_FAILED);

    const normalized = normalizeEmail(email).slice(0, 320);
    const device = devices.read(ctx);
    const knownDevice = devices.knownFor(device, normalized);
    // One line per attempt: never the email (an unknown account's could be anything someone
    // typed, a password included) nor the password; the account by sub, or by pseudonym.
    const log = (outcome: SignInOutcome | 'throttled' | 'risk_denied', extra: Record<string, unknown>) =>
      logger.info(
        { event: 'signin', outcome, clientId: String(details.params.client_id), account: pseudonym('log-account', normalized), ip: ctx.ip, knownDevice: knownDevice !== undefined, requestId: ctx.state.requestId, ...extra },
        'sign-in attempt',
      );
    const attempt = await signInThrottle.begin({ email: normalized, ip: ctx.ip, knownDevice }).catch((err: unknown) => {
      throw temporarilyUnavailable('We cannot sign you in right now. Try again in a moment.', 5, err);
    });
    if (!attempt.allowed) {
      log('throttled', { reason: attempt.decision.reason, retryAfter: attempt.decision.retryAfter });
      audit?.signIn(ctx, { outcome: 'throttled', email: normalized, clientId: String(details.params.client_id) });
      ctx.set('Retry-After', String(attempt.decision.retryAfter));
      return again(429, tooManyAttempts(attempt.decision.retryAfter));
    }
    const result = await users.signIn(normalized, password).catch((err: unknown) => {
      // Too busy to check the password (503): the page offers a way back to this sign-in.
      if (!(err instanceof LatchkeyError) || err.status !== 503) throw err;
      throw new LatchkeyError(err.status, err.error, err.description, { retryAfter: err.retryAfter, backUrl: interactionPath(details.uid), expose: true });
    });
    // The risk model's view of the right password; a wrong one costs the same look-up, and a
    // refused sign-in reads exactly as a wrong password (page, status, budget), so neither the
    // words nor the time tell an attacker that the password was right.
    const risk = await (risks?.check(ctx, result.user?.sub, device) ?? Promise.resolve(undefined)).catch((err: unknown) => {
      throw temporarilyUnavailable('We cannot sign you in right now. Try again in a moment.', 5, err);
    });
    const refused = nextStep(risk?.verdict) === 'refuse';
    const outcome = refused ? 'risk_denied' : result.outcome;
    const verdict = risk?.verdict;
    log(outcome, { ...(result.sub ? { sub: result.sub } : {}), ...(attempt.delayedMs ? { delayedMs: attempt.delayedMs } : {}), ...(verdict ? { risk: { decision: verdict.decision, score: verdict.score } } : {}) });
    const clientId = String(details.params.client_id);
    // The one question after a right password (the app's and the global policy, acr_values, a
    // factor the person has, the risk model's verdict); a refused sign-in asks nothing.
    const second = result.user && secondFactor && !refused ? await secondFactor.needed(details, result.user.sub, verdict && verdict.decision !== 'require' ? 'allow' : 'require') : undefined;
    // An email check with nothing to mail it (never wired so: canEmail follows mail) is no step.
    const done = !second || second.need === 'none' || (second.need === 'email' && !emailCheck);
    // A sign-in that goes on to a second factor is recorded when that step ends (second-factor.ts).
    if (done) audit?.signIn(ctx, { outcome, email: normalized, clientId, sub: result.sub, sessionUid: details.session?.uid, risk: verdict });
    // Only the account's owner sees this, so a failed attempt on a real account is theirs to know.
    if (result.sub && done) notice(ctx, result.sub, { kind: result.user && !refused ? 'signin.succeeded' : 'signin.failed', clientId, app: (await clientOf(details)).name, risk: verdict });
    if (!result.user || refused) {
      await attempt.failed();
      if (refused) void risk!.refused().catch(quiet('could not keep a refused sign-in for feedback'));
      return again(401, LOGIN_FAILED);
    }
    await attempt.succeeded();
    if (second && second.need === 'email' && emailCheck) return emailCheck.ask(ctx, details, result.user.sub, await clientOf(details));
    if (second && second.need !== 'none' && second.need !== 'email') return secondFactor!.ask(ctx, details, result.user.sub, second, await clientOf(details));
    // A browser that never signed in to the account, or a country it never signed in from.
    if ((knownDevice === undefined || verdict?.newPlace) && securityNotice) securityNotice(ctx, result.user.sub, 'new-device', (await clientOf(details)).name);
    const deviceId = devices.remember(ctx, device, normalized);
    await finish(ctx, { login: { accountId: result.user.sub, ...authenticationMethods('password') } }, false);
    await risk?.admitted(deviceId).catch(quiet('could not record a sign-in in its risk history'));
  });

  // A sign-in finished by its second factor, or by a passkey, is learnt by the risk model then,
  // as one finished by the password alone is above (scored again: the features are this request's).
  const scoreAgain = async (ctx: Context, accountId: string) => {
    const risk = risks ? await risks.check(ctx, accountId, devices.read(ctx)).catch(() => undefined) : undefined;
    return risk && { verdict: risk.verdict, admitted: (deviceId: string) => risk.admitted(deviceId).catch(quiet('could not record a sign-in in its risk history')) };
  };
  const finishSecondStep = async (ctx: Context, result: Parameters<Provider['interactionFinished']>[2], deviceId?: string) => {
    const risk = result.login ? await scoreAgain(ctx, result.login.accountId) : undefined;
    await finish(ctx, result, false);
    if (deviceId) await risk?.admitted(deviceId);
    return risk?.verdict;
  };
  secondFactor?.routes(router, load, clientOf, finishSecondStep, EXPIRED);
  emailCheck?.routes(router, load, clientOf, finishSecondStep, EXPIRED);
  passkeys?.routes(router, load, scoreAgain);

  router.post('/:uid/consent', form, async (ctx) => {
    verifyCsrf(ctx, cookieSecrets, csrfCookie, field(ctx.request.body, '_csrf'));
    const details = await load(ctx);
    if (details.prompt.name !== 'consent') throw EXPIRED;
    const decision = field(ctx.request.body, 'decision');
    const scopes = String(details.params.scope ?? '').split(' ').filter(Boolean);
    const consenting = details.session?.accountId;
    if (decision === 'deny') {
      if (consenting) audit?.consent(ctx, { sub: consenting, clientId: String(details.params.client_id), scopes, denied: 'denied' });
      return finish(ctx, { error: 'access_denied', error_description: 'The user denied the request' }, false);
    }
    if (decision !== 'allow') throw badRequest('Choose Allow or Deny.');
    const grantId = await grantFor(provider(), details);
    const sub = details.session?.accountId;
    const clientId = String(details.params.client_id);
    // The operator allowed this client to sign in without PKCE; say so where consents are logged.
    if (withoutPkce(details)) logger.info({ event: 'consent.without_pkce', clientId, requestId: ctx.state.requestId }, 'consent to a client signing in without PKCE (nonce instead)');
    if (sub) notice(ctx, sub, { kind: 'consent.granted', clientId, app: (await clientOf(details)).name });
    if (sub && securityNotice && scopes.includes('offline_access')) securityNotice(ctx, sub, 'offline-access', (await clientOf(details)).name);
    if (sub) audit?.consent(ctx, { sub, clientId, scopes, grantId, resources: [...resourcesAsked(details)] });
    await finish(ctx, { consent: { grantId } }, true);
  });

  router.get('/:uid/abort', async (ctx) => {
    const details = await load(ctx);
    const sub = details.session?.accountId;
    if (details.prompt.name === 'consent' && sub) {
      audit?.consent(ctx, { sub, clientId: String(details.params.client_id), scopes: String(details.params.scope ?? '').split(' ').filter(Boolean), denied: 'cancelled' });
    }
    await finish(ctx, { error: 'access_denied', error_description: 'The user cancelled the sign-in' }, false);
  });

  return router;
}
