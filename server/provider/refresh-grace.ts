// Refresh token reuse grace (REFRESH_TOKEN_REUSE_GRACE_SECONDS, off by default).
//
// Several tabs of one SPA may refresh with the same refresh token at the same moment. Rotation
// lets one of them win; without a grace window the others present a rotated token, and reuse
// detection revokes the whole grant: the user is signed out everywhere. Within the window, a
// public client presenting its just-rotated refresh token gets the very same successor response
// the winner got (the chain never forks); after the window, reuse revokes the grant as before.
//
// Two requests can both find the token unconsumed and reach oidc-provider, which would read it
// as consumed (the other request won meanwhile) and revoke the grant. So, for an eligible request
// only, the RefreshToken adapter hides a consumption younger than the window: oidc-provider then
// tries to consume it, loses atomically (invalid_grant, no revocation), and this middleware
// answers with the winner's response.
//
// The successor response holds tokens, so it is kept sealed under a key derived from the old
// refresh token itself: only someone presenting that token can open it. Sender-constrained
// (DPoP) tokens and confidential clients are left to oidc-provider untouched.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, hkdfSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { Adapter } from 'oidc-provider';
import { createSealedBox, type Sealed } from '../crypto/sealed-box.ts';
import { ROUTES } from '../http/routes.ts';
import { allowClientOrigin, type CorsClient } from './cors.ts';
import { handBodyToProvider, hideConsumption, PROVIDER_BODY_LIMIT } from './internals.ts';
import type { OidcStore } from '../store/types.ts';

const MODEL = 'RefreshGrace';
const WAIT_MS = 3_000;
const POLL_MS = 25;

/** The refresh token an eligible request presents, for the adapter below. */
const eligibleRequest = new AsyncLocalStorage<{ token: string; graceSeconds: number }>();

/** Wraps the RefreshToken adapter: see the comment at the top. */
export function graceAwareRefreshTokens(adapter: Adapter): Adapter {
  return hideConsumption(adapter, (id, payload) => {
    const scope = eligibleRequest.getStore();
    return scope?.token === id && Date.now() / 1000 - Number(payload.consumed) <= scope.graceSeconds;
  });
}

interface Successor {
  clientId: string;
  sealed: Sealed;
}

const idOf = (token: string) => createHash('sha256').update(token).digest('base64url');
const boxFor = (token: string) =>
  createSealedBox([Buffer.from(hkdfSync('sha256', token, 'latchkey-refresh-grace', '', 32))]);

async function readRawBody(ctx: Context): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > PROVIDER_BODY_LIMIT) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function clientIdOf(ctx: Context, params: URLSearchParams): string | undefined {
  const basic = /^Basic (.+)$/i.exec(ctx.get('authorization'))?.[1];
  if (!basic) return params.get('client_id') ?? undefined;
  try {
    return decodeURIComponent(Buffer.from(basic, 'base64').toString().split(':')[0] ?? '');
  } catch {
    // A malformed %-escape: no client this window could serve; oidc-provider answers it.
    return undefined;
  }
}

export function refreshGrace(graceSeconds: number, provider: () => Provider, store: OidcStore): Middleware {
  async function successorOf(token: string, clientId: string | undefined): Promise<object | undefined> {
    const found = (await store.find(MODEL, idOf(token))) as Successor | undefined;
    if (!found || found.clientId !== clientId) return undefined;
    return JSON.parse(boxFor(token).open(found.sealed, idOf(token))) as object;
  }

  async function waitForSuccessor(token: string, clientId: string | undefined): Promise<object | undefined> {
    for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline; await sleep(POLL_MS)) {
      const successor = await successorOf(token, clientId);
      if (successor) return successor;
    }
    return undefined;
  }

  // These answers bypass oidc-provider, so they carry its CORS headers themselves: an SPA tab
  // that lost the race must be able to read the response.
  function replay(ctx: Context, body: object, client: CorsClient) {
    allowClientOrigin(ctx, client);
    ctx.status = 200;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  }

  return async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== ROUTES.token.path || !ctx.is('application/x-www-form-urlencoded')) return next();
    const raw = await readRawBody(ctx);
    if (raw === undefined) {
      ctx.status = 413;
      ctx.body = { error: 'invalid_request', error_description: 'request body too large' };
      return;
    }
    handBodyToProvider(ctx, raw);
    const params = new URLSearchParams(raw.toString());
    const token = params.get('refresh_token');
    if (params.get('grant_type') !== 'refresh_token' || !token || params.getAll('refresh_token').length !== 1) return next();

    const clientId = clientIdOf(ctx, params);
    const stored = await provider().RefreshToken.find(token, { ignoreExpiration: true }).catch(() => undefined);
    const client = stored?.clientId ? await provider().Client.find(stored.clientId) : undefined;
    const eligible = stored && client && client.clientAuthMethod === 'none' && !stored.jkt && stored.clientId === clientId;
    if (!eligible) return next();

    const cached = await successorOf(token, clientId);
    if (cached) return replay(ctx, cached, client);
    if (stored.consumed) {
      // Rotated moments ago by a concurrent request: wait for its answer rather than let reuse
      // detection revoke the grant. Rotated longer ago than the window: reuse detection.
      if (Date.now() / 1000 - Number(stored.consumed) > graceSeconds) return next();
      const successor = await waitForSuccessor(token, clientId);
      if (successor) return replay(ctx, successor, client);
      allowClientOrigin(ctx, client);
      ctx.status = 400;
      ctx.body = { error: 'invalid_grant', error_description: 'refresh token already used' };
      return;
    }

    await eligibleRequest.run({ token, graceSeconds }, next);
    const body = ctx.body as { error?: string } | undefined;
    if (ctx.status === 200 && body && !body.error) {
      const id = idOf(token);
      const successor: Successor = { clientId: clientId!, sealed: boxFor(token).seal(JSON.stringify(body), id) };
      await store.upsert(MODEL, id, successor as unknown as Record<string, unknown>, graceSeconds);
    } else if (body?.error === 'invalid_grant') {
      // Lost the atomic consume to a concurrent request: answer with the winner's result.
      const successor = await waitForSuccessor(token, clientId);
      if (successor) replay(ctx, successor, client);
    }
  };
}
