// Who is looking at the console, and how they got in. The console signs in like any app: the
// authorization code flow with PKCE, state and nonce, then the code exchanged (in process, see
// self-client.ts) and the ID token checked by openid-client. It then trusts the browser's
// Latchkey session itself (same site): the person is signed in to the console while that session
// is, for the account the code was issued to; signing out of Latchkey anywhere signs the console
// out too. Changes that matter (a password, removing every session) need a sign-in within the
// last five minutes: the console sends the person through the authorization endpoint with
// max_age, and Latchkey asks for the password again.
import type { Context } from 'koa';
import * as oidc from 'openid-client';
import type Provider from 'oidc-provider';
import type { User, Users } from '../accounts/users.ts';
import { ROUTES } from '../http/routes.ts';
import { browserSession } from '../provider/internals.ts';
import type { SelfClient } from './self-client.ts';

export const FRESH_SECONDS = 300;
const FLOW_SECONDS = 600;

export interface Viewer {
  sub: string;
  user: User;
  /** The uid of this browser's Latchkey session. */
  sessionUid: string;
  /** Epoch seconds of the last sign-in. */
  authTime: number;
}

interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  back: string;
  fresh: boolean;
}

const base = ROUTES.account.path;
/** Only paths of the console itself are places to come back to. */
export const safeBack = (value: unknown) => (typeof value === 'string' && /^\/account(\/[\w./-]*)?$/.test(value) && !value.includes('..') ? value : base);

export function consoleAuth(deps: { issuer: string; provider: () => Provider; users: Users; self: SelfClient; https: boolean }) {
  const { issuer, provider, users, self, https } = deps;
  const cookie = https ? '__Host-lk.account' : 'lk.account';
  const flowCookie = https ? '__Secure-lk.account-flow' : 'lk.account-flow';
  const redirectUri = `${issuer}${base}/callback`;
  const cookieOptions = (maxAge?: number) => ({ httpOnly: true, sameSite: 'lax' as const, secure: https, signed: true, overwrite: true, path: '/', ...(maxAge ? { maxAge } : {}) });

  return {
    async viewer(ctx: Context): Promise<Viewer | undefined> {
      const marked = ctx.cookies.get(cookie, { signed: true });
      if (!marked) return undefined;
      const session = await browserSession(provider(), ctx);
      if (!session.accountId || marked !== `${session.accountId}.${session.uid}`) return undefined;
      const user = await users.get(session.accountId);
      if (!user || user.disabled) return undefined;
      return { sub: user.sub, user, sessionUid: session.uid, authTime: session.loginTs ?? 0 };
    },

    isFresh: (viewer: Viewer, now = Date.now()) => now / 1000 - viewer.authTime <= FRESH_SECONDS,

    /** Sends the browser to sign in, coming back to `back`; `fresh` asks for the password again. */
    async start(ctx: Context, back: string, fresh: boolean): Promise<void> {
      const config = await self.configuration();
      const flow: Flow = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier(), back: safeBack(back), fresh };
      ctx.cookies.set(flowCookie, Buffer.from(JSON.stringify(flow)).toString('base64url'), { ...cookieOptions(FLOW_SECONDS * 1000), path: base });
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
        state: flow.state,
        nonce: flow.nonce,
        ...(fresh ? { max_age: String(FRESH_SECONDS) } : {}),
      });
      ctx.redirect(url.href);
    },

    /** The authorization response: the code exchanged, the ID token checked. Where to go next,
     * or undefined when this response is not the one this browser asked for. */
    async finish(ctx: Context): Promise<string | undefined> {
      const raw = ctx.cookies.get(flowCookie, { signed: true });
      ctx.cookies.set(flowCookie, null, { ...cookieOptions(), path: base });
      let flow: Flow;
      try {
        flow = JSON.parse(Buffer.from(raw ?? '', 'base64url').toString()) as Flow;
      } catch {
        return undefined;
      }
      if (!flow?.state) return undefined;
      const config = await self.configuration();
      const tokens = await oidc.authorizationCodeGrant(config, new URL(`${redirectUri}?${ctx.querystring}`), {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        ...(flow.fresh ? { maxAge: FRESH_SECONDS } : {}),
      });
      const sub = tokens.claims()?.sub;
      const session = await browserSession(provider(), ctx);
      if (!sub || session.accountId !== sub) return undefined;
      ctx.cookies.set(cookie, `${sub}.${session.uid}`, cookieOptions());
      return flow.back;
    },

    forget(ctx: Context): void {
      ctx.cookies.set(cookie, null, cookieOptions());
    },
  };
}

export type ConsoleAuth = ReturnType<typeof consoleAuth>;
