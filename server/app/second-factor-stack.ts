// The second step of a sign-in and passkeys, wired for the app: the code page and its throttle
// (interactions/second-factor.ts), passkey sign-in (interactions/passkey-sign-in.ts) and what
// each tells the audit trail and the person's security activity.
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.ts';
import { CONSOLE_CLIENT_ID } from '../account/console-client.ts';
import { normalizeEmail, type Users } from '../accounts/users.ts';
import type { Render } from '../http/render.ts';
import type { InteractionAudit } from '../interactions/audit.ts';
import { createPage } from '../interactions/page.ts';
import { passkeySignIn } from '../interactions/passkey-sign-in.ts';
import type { InteractionNotice } from '../interactions/routes.ts';
import { secondFactorStep } from '../interactions/second-factor.ts';
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
  security: Pick<Security, 'secondFactorThrottle' | 'devices'>;
  csrfCookie: string;
  signInAudit: InteractionAudit;
  notice: InteractionNotice;
}

export function secondFactorStack({ config, logger, store, users, factors, provider, render, security, csrfCookie, signInAudit, notice }: SecondFactorStackDeps) {
  const cookies = { csrf: csrfCookie };
  const appName = async (clientId: string) => {
    const client = await provider().Client.find(clientId).catch(() => undefined);
    return (client?.clientName as string | undefined) ?? clientId;
  };
  // The second step of a sign-in (interactions/second-factor.ts), and what it tells the trail and the person.
  const secondFactor = secondFactorStep({
    provider,
    users,
    factors,
    throttle: security.secondFactorThrottle,
    devices: security.devices,
    policy: config.mfaPolicy,
    firstPartyClients: new Set([CONSOLE_CLIENT_ID]),
    page: createPage(render, config.issuer),
    cookieSecrets: config.cookieSecrets,
    csrfCookie: cookies.csrf,
    told: (ctx, what) => {
      void (async () => {
        const user = await users.get(what.sub);
        if (what.outcome === 'succeeded') {
          signInAudit.signIn(ctx, { outcome: 'succeeded', email: normalizeEmail(user?.email ?? ''), clientId: what.clientId, sub: what.sub, sessionUid: what.sessionUid, amr: what.amr });
          notice(ctx, what.sub, { kind: 'signin.succeeded', clientId: what.clientId, app: await appName(what.clientId) });
          return;
        }
        signInAudit.secondFactorFailed(ctx, { sub: what.sub, clientId: what.clientId, factor: what.factor, reason: what.outcome === 'throttled' ? 'throttled' : 'wrong' });
        if (what.outcome === 'failed') notice(ctx, what.sub, { kind: 'signin.second_factor_failed', clientId: what.clientId, app: await appName(what.clientId) });
      })().catch((err: unknown) => logger.warn({ err }, 'could not record a second-factor step'));
    },
  });
  const passkeys = createPasskeys({ documents: store.documents, challenges: store.oidc, factors, issuer: config.issuer });
  const passkeyPages = passkeySignIn({
    provider,
    users,
    passkeys,
    secondFactor,
    devices: security.devices,
    cookieSecrets: config.cookieSecrets,
    csrfCookie: cookies.csrf,
    signedIn: (ctx, what) => {
      void (async () => {
        const user = await users.get(what.sub);
        signInAudit.signIn(ctx, { outcome: 'succeeded', email: normalizeEmail(user?.email ?? ''), clientId: what.clientId, sub: what.sub, sessionUid: what.sessionUid, amr: what.amr });
        notice(ctx, what.sub, { kind: 'signin.succeeded', clientId: what.clientId, app: await appName(what.clientId) });
      })().catch((err: unknown) => logger.warn({ err }, 'could not record a passkey sign-in'));
    },
  });
  return { secondFactor, passkeys, passkeyPages };
}
