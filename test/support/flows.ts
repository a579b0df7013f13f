// Helpers shared by the protocol flow suites (test/flows/*): raw token-endpoint calls for the
// concurrency tests (a 5xx must be seen, not hidden behind a client library's error), an
// introspecting resource server, OAuth error assertions, and walking an authorization URL through
// the login and consent pages.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { Browser, type Page } from './browser.ts';
import type { Running } from './latchkey.ts';
import { addClient, discover, PASSWORD, REDIRECT_URI } from './oidc.ts';

export interface RawResponse {
  status: number;
  body: Record<string, unknown>;
}

/** The token endpoint, called directly. With a secret the client authenticates with Basic. */
export async function tokenRequest(running: Running, client: { clientId: string; secret?: string }, params: Record<string, string>, path = '/token'): Promise<RawResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  const form = new URLSearchParams(params);
  if (client.secret) {
    const basic = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.secret)}`;
    headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  } else {
    form.set('client_id', client.clientId);
  }
  const response = await fetch(`${running.url}${path}`, { method: 'POST', headers, body: form });
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return { status: response.status, body };
}

/** Fires the same request `n` times at once and tallies the outcomes. */
export async function concurrently(n: number, request: () => Promise<RawResponse>) {
  const results = await Promise.all(Array.from({ length: n }, request));
  const successes = results.filter((r) => r.status === 200);
  const failures = results.filter((r) => r.status !== 200);
  return { results, successes, failures };
}

/** The OAuth `error` code an openid-client failure carries (body error or WWW-Authenticate). */
export function oauthErrorOf(error: unknown): string | undefined {
  if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError) return error.error;
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    return error.cause.find((c) => c.parameters.error)?.parameters.error;
  }
  return undefined;
}

/** Awaits a promise that must fail with the given OAuth error; returns the error. */
export async function expectOAuthError(promise: Promise<unknown>, code: string): Promise<Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected OAuth error ${code}, but the call succeeded`).to.be.instanceOf(Error);
  expect(oauthErrorOf(caught), `expected ${code}, got ${String(caught)}`).to.equal(code);
  return caught as Error;
}

/** Introspection as one client: a token's own client may always introspect it. */
export function introspector(config: oidc.Configuration) {
  return (token: string, hint?: 'access_token' | 'refresh_token') => oidc.tokenIntrospection(config, token, hint ? { token_type_hint: hint } : {});
}

/**
 * A confidential client acting as the resource server(s) `serves` (serves_resources): it
 * introspects the tokens issued for those APIs, and nothing else of other clients.
 */
export async function resourceServer(running: Running, serves: string[]) {
  const { clientId, secret } = await addClient(running, { redirect_uris: [], response_types: [], grant_types: ['client_credentials'], serves_resources: serves });
  const config = await discover(running, clientId, secret);
  return { clientId, introspect: introspector(config) };
}

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  const decode = (part: string | undefined) => JSON.parse(Buffer.from(part ?? '', 'base64url').toString()) as Record<string, unknown>;
  return { header: decode(header), payload: decode(payload) };
}

/** A browser that stops at the relying party (and at any extra origins, e.g. an attacker's). */
export function rpBrowser(...extraOrigins: string[]): Browser {
  return new Browser([new URL(REDIRECT_URI).origin, ...extraOrigins]);
}

/**
 * Opens an authorization URL and goes through whatever pages come: the login form (signing in as
 * `email`) and the consent page (Allow). Returns the last page: normally the redirect to the RP.
 */
export async function walkAuthorization(browser: Browser, url: string | URL, email: string, password = PASSWORD): Promise<Page> {
  let page = await browser.get(String(url));
  if (page.doc.querySelector('#password')) page = await browser.submit(page, { Email: email, Password: password }, 'Sign in');
  if (page.html.includes('name="decision"')) page = await browser.submit(page, {}, 'Allow');
  return page;
}

/** PKCE, state and nonce for one authorization request, and the parameters that carry them. */
export async function authorizationRequest(scope = 'openid email profile', extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const params: Record<string, string> = {
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  };
  return { verifier, state, nonce, params, checks: { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce } };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
