// Relying-party side helpers, built on openid-client (a certified client library): register a
// client, discover the server, and run the authorization code flow through the login and consent
// pages as a person would.
import * as oidc from 'openid-client';
import type { ClientMetadata } from 'oidc-provider';
import { Browser, type Page } from './browser.ts';
import type { Running } from './latchkey.ts';

export const REDIRECT_URI = 'https://rp.example.test/callback';
export const PASSWORD = 'correct horse battery staple';

let counter = 0;
export const uniqueId = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

export async function addUser(running: Running, email = `${uniqueId('user')}@example.test`) {
  const user = await running.latchkey.users.create({ email, password: PASSWORD, name: 'Ada Lovelace', givenName: 'Ada', familyName: 'Lovelace', emailVerified: true });
  return user;
}

export async function addClient(running: Running, metadata: Partial<ClientMetadata> & { public?: boolean } = {}) {
  const { public: isPublic, ...rest } = metadata;
  const { client, secret } = await running.latchkey.clients.add({
    client_id: uniqueId('client'),
    client_name: 'Test App',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: isPublic ? 'none' : 'client_secret_basic',
    ...rest,
  } as ClientMetadata);
  return { clientId: client.clientId, secret };
}

export async function discover(running: Running, clientId: string, secret?: string, auth?: oidc.ClientAuth) {
  return oidc.discovery(new URL(running.url), clientId, secret, auth ?? (secret ? oidc.ClientSecretBasic(secret) : oidc.None()), {
    execute: [oidc.allowInsecureRequests],
  });
}

export interface AuthorizationResult {
  callback: URL;
  verifier: string;
  state: string;
  nonce: string;
  browser: Browser;
}

/**
 * Starts an authorization request and walks it through the pages: sign in with the labelled
 * fields, then press a consent button. Returns the callback URL the RP receives.
 */
export async function authorize(
  config: oidc.Configuration,
  email: string,
  options: { scope?: string; consent?: 'Allow' | 'Deny'; password?: string; browser?: Browser; extra?: Record<string, string> } = {},
): Promise<AuthorizationResult> {
  const browser = options.browser ?? new Browser([new URL(REDIRECT_URI).origin]);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: options.scope ?? 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...options.extra,
  });
  let page: Page = await browser.get(url.href);
  if (page.doc.querySelector('#password')) {
    page = await browser.submit(page, { Email: email, Password: options.password ?? PASSWORD }, 'Sign in');
  }
  if (page.html.includes('name="decision"')) {
    page = await browser.submit(page, {}, options.consent ?? 'Allow');
  }
  if (!page.url.startsWith(REDIRECT_URI)) {
    throw new Error(`expected a redirect to the client, got ${page.status} at ${page.url}:\n${page.html.slice(0, 800)}`);
  }
  return { callback: new URL(page.url), verifier, state, nonce, browser };
}

export async function signIn(config: oidc.Configuration, email: string, scope = 'openid email profile offline_access') {
  const result = await authorize(config, email, { scope, extra: scope.includes('offline_access') ? { prompt: 'consent' } : {} });
  const tokens = await oidc.authorizationCodeGrant(config, result.callback, {
    pkceCodeVerifier: result.verifier,
    expectedState: result.state,
    expectedNonce: result.nonce,
  });
  return { ...result, tokens };
}
