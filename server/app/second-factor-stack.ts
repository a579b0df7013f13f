// The second step of a sign-in and passkeys, wired for the app: the code page and its throttle
// (interactions/second-factor.ts), passkey sign-in (interactions/passkey-sign-in.ts), the email
// check of an unusual sign-in without a factor (interactions/email-check.ts, when mail can be
// sent) and what each tells the audit trail and the person's security activity.
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.ts';
import { CONSOLE_CLIENT_ID } from '../account/console-client.ts';
import { describePlace, placeOf } from '../account/places.ts';
import { normalizeEmail, type Users } from '../accounts/users.ts';
import type { GeoLookup } from '../geo/lookup.ts';
import { describeUserAgent, parseUserAgent } from '../http/user-agent.ts';
import { emailCheck } from '../interactions/email-check.ts';
import type { Mail } from '../mail/index.ts';
import { EMAIL_CODE_TRIES, EMAIL_CODE_TTL_SECONDS, emailCodes } from '../mfa/email-code.ts';
import { createMailThrottle } from '../security/mail-throttle.ts';
import type { Render } from '../http/render.ts';
import type { InteractionAudit } from '../interactions/audit.ts';
import { createPage } from '../interactions/page.ts';
import { passkeySignIn } from '../interactions/passkey-sign-in.ts';
import type { InteractionNotice } from '../interactions/routes.ts';
import { secondFactorStep, type SecondStepTold } from '../interactions/second-factor.ts';
import type { Factors } from '../mfa/factors.ts';
import { createPasskeys } from '../mfa/passkeys.ts';
import type { Security } from '../security/index.ts';
import type { Store } from '../store/types.ts';

export interface SecondFactorStackDeps {
  config: Config;
  logger: Logger;
  store: Store;
  users: Users;
  factors: Factors;
  provider: () => Provider;
  render: Render;
  security: Pick<Security, 'secondFactorThrottle' | 'signInThrottle' | 'devices' | 'pseudonym'>;
  csrfCookie: string;
  signInAudit: InteractionAudit;
  notice: InteractionNotice;
  /** Mail (the email check needs it enabled) and the places of addresses, for what the mail says. */
  mail: Pick<Mail, 'enabled' | 'queue' | 'render'>;
  geo: () => GeoLookup | undefined;
}

export function secondFactorStack({ config, logger, store, users, factors, provider, render, security, csrfCookie, signInAudit, notice, mail, geo }: SecondFactorStackDeps) {
  const cookies = { csrf: csrfCookie };
  const appName = async (clientId: string) => {
    const client = await provider().Client.find(clientId).catch(() => undefined);
    return (client?.clientName as string | undefined) ?? clientId;
  };
  // What a second step (a factor, or the email check) tells the trail and the person.
  const told: SecondStepTold = (ctx, what) => {
    void (async () => {
      const user = await users.get(what.sub);
      if (what.outcome === 'succeeded') {
        signInAudit.signIn(ctx, { outcome: 'succeeded', email: normalizeEmail(user?.email ?? ''), clientId: what.clientId, sub: what.sub, sessionUid: what.sessionUid, amr: what.amr, risk: what.risk, ...(what.factor === 'email' ? { emailCheck: true } : {}) });
        notice(ctx, what.sub, { kind: 'signin.succeeded', clientId: what.clientId, app: await appName(what.clientId), risk: what.risk });
        return;
      }
      signInAudit.secondFactorFailed(ctx, { sub: what.sub, clientId: what.clientId, factor: what.factor, reason: what.outcome === 'throttled' ? 'throttled' : 'wrong', ...(what.passkeyFailure ? { passkeyFailure: what.passkeyFailure } : {}) });
      if (what.outcome === 'failed') notice(ctx, what.sub, { kind: 'signin.second_factor_failed', clientId: what.clientId, app: await appName(what.clientId), ...(what.factor === 'passkey' ? { via: 'passkey' as const } : {}) });
    })().catch((err: unknown) => logger.warn({ err }, 'could not record a second-factor step'));
  };
  // The second step of a sign-in (interactions/second-factor.ts).
  // One page writer for the second step, the email check and the passkey pages.
  const pages = createPage(render, config.issuer);
  const secondFactor = secondFactorStep({
    provider,
    users,
    factors,
    throttle: security.secondFactorThrottle,
    devices: security.devices,
    policy: config.mfaPolicy,
    canEmail: mail.enabled,
    firstPartyClients: new Set([CONSOLE_CLIENT_ID]),
    page: pages,
    cookieSecrets: config.cookieSecrets,
    csrfCookie: cookies.csrf,
    told,
  });
  // The email check (interactions/email-check.ts): the code is made by the mail queue's handler,
  // when it writes the mail, so the queued job holds where the sign-in is from and never a code.
  const codes = emailCodes(store.oidc, store.limiter('email-code-tries', { points: EMAIL_CODE_TRIES, durationSeconds: EMAIL_CODE_TTL_SECONDS }), security.pseudonym);
  if (mail.enabled) {
    mail.queue.handle('signin-code', async (job) => {
      const user = job.account ? await users.get(job.account) : undefined;
      if (!user || user.disabled || typeof job.data.uid !== 'string') return undefined;
      const code = await codes.issue(job.data.uid, user.sub);
      const { uid: _uid, ...facts } = job.data;
      return { to: user.email, ...mail.render('signin-code', { ...facts, issuer: config.issuer, code, consoleUrl: `${config.issuer}/account` }) };
    });
  }
  const emailStep = mail.enabled
    ? emailCheck({
        users,
        codes,
        secondFactor,
        throttle: security.secondFactorThrottle,
        mailThrottle: createMailThrottle(store, security.pseudonym),
        devices: security.devices,
        page: pages,
        cookieSecrets: config.cookieSecrets,
        csrfCookie: cookies.csrf,
        told,
        send: async (ctx, uid, sub, app) => {
          const userAgent = ctx.get('user-agent');
          const device = userAgent ? describeUserAgent(parseUserAgent(userAgent)) : undefined;
          const place = describePlace(placeOf(geo(), ctx.ip));
          await mail.queue.enqueue({ kind: 'signin-code', account: sub, data: { uid, app, at: Date.now(), ip: ctx.ip, ...(device ? { device } : {}), ...(place ? { place } : {}) } });
        },
      })
    : undefined;
  const passkeys = createPasskeys({ documents: store.documents, challenges: store.oidc, factors, issuer: config.issuer });
  const passkeyPages = passkeySignIn({
    provider,
    users,
    passkeys,
    secondFactor,
    devices: security.devices,
    signInThrottle: security.signInThrottle,
    secondFactorThrottle: security.secondFactorThrottle,
    pseudonym: security.pseudonym,
    logger,
    cookieSecrets: config.cookieSecrets,
    csrfCookie: cookies.csrf,
    signedIn: (ctx, what) => {
      void (async () => {
        const user = await users.get(what.sub);
        signInAudit.signIn(ctx, { outcome: 'succeeded', email: normalizeEmail(user?.email ?? ''), clientId: what.clientId, sub: what.sub, sessionUid: what.sessionUid, amr: what.amr, risk: what.risk });
        notice(ctx, what.sub, { kind: 'signin.succeeded', clientId: what.clientId, app: await appName(what.clientId), risk: what.risk });
      })().catch((err: unknown) => logger.warn({ err }, 'could not record a passkey sign-in'));
    },
    // A passkey alone not accepted: the login form's failure, in the trail and (when it names an
    // account, and was checked at all) the owner's activity.
    signInFailed: (ctx, what) => {
      const outcome = what.outcome;
      signInAudit.signIn(ctx, { outcome, email: what.login, clientId: what.clientId, sub: what.sub, via: 'passkey', ...(what.failure ? { passkeyFailure: what.failure } : {}) });
      if (what.sub && outcome !== 'throttled') {
        const sub = what.sub;
        void appName(what.clientId)
          .then((app) => notice(ctx, sub, { kind: 'signin.failed', clientId: what.clientId, app, via: 'passkey' }))
          .catch((err: unknown) => logger.warn({ err }, 'could not record a failed passkey sign-in'));
      }
    },
    told,
  });
  return { secondFactor, passkeys, passkeyPages, emailCheck: emailStep };
}
