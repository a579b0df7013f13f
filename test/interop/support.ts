// What the interop suites share: a relying party's own HTTP server on a free loopback port (its
// URL known before the app is built, so the client can be registered with its redirect URI
// first), a Latchkey started as an operator would for such apps, and a person's browser that
// follows redirects between the two and signs in through Latchkey's real pages.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Browser, type Page } from '../support/browser.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { PASSWORD } from '../support/oidc.ts';

export const PERSON = { name: 'Ada Lovelace', givenName: 'Ada', familyName: 'Lovelace' };

/** Latchkey for RPs on loopback: back-channel logout and jwks_uri fetches may reach 127.0.0.1. */
export function startLatchkeyForRps(env: Record<string, string> = {}): Promise<Running> {
  return startLatchkey({ env: { OUTBOUND_PRIVATE_NETWORKS: 'allow', ...env } });
}

/** A person with a verified address, as `users add --email-verified` makes one. */
export async function addPerson(running: Running, email: string) {
  return running.latchkey.users.create({ email, password: PASSWORD, name: PERSON.name, givenName: PERSON.givenName, familyName: PERSON.familyName, emailVerified: true });
}

export interface RpServer {
  url: string;
  /** Hands requests to the app, once built. */
  serve(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  close(): Promise<void>;
}

export async function rpServer(): Promise<RpServer> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (handler) return handler(req, res);
    res.statusCode = 503;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    serve(h) {
      handler = h;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Goes through Latchkey's pages from wherever `page` is: the login form (as `email`), then the
 * consent page (Allow), following every redirect back to the RP. Returns the RP's last page and
 * whether a consent page was shown.
 */
export async function throughLatchkey(browser: Browser, page: Page, email: string): Promise<{ page: Page; consent?: string }> {
  let current = page;
  if (current.doc.querySelector('#password')) current = await browser.submit(current, { Email: email, Password: PASSWORD }, 'Sign in');
  let consent: string | undefined;
  if (current.html.includes('name="decision"')) {
    consent = current.doc.querySelector('main')?.text ?? current.html;
    current = await browser.submit(current, {}, 'Allow');
  }
  return { page: current, consent };
}

/** Latchkey's logout confirmation: press Sign out, follow the redirect to the RP. */
export async function confirmLogout(browser: Browser, page: Page): Promise<Page> {
  expect(page.html, `expected Latchkey's logout page at ${page.url}`).to.include('Sign out?');
  return browser.submit(page, {}, 'Sign out');
}

/** Whether the browser still has a Latchkey session: an authorization request shows the login page when not. */
export async function latchkeySignedIn(browser: Browser, running: Running, clientId: string, redirectUri: string): Promise<boolean> {
  const probe = new Browser([new URL(redirectUri).origin]);
  for (const [name, value] of browser.cookies(new URL(running.url).host)) probe.setCookie(new URL(running.url).host, name, value);
  const url = new URL(`${running.url}/auth`);
  url.search = new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid', prompt: 'none', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString();
  const page = await probe.get(url.href);
  const callback = new URL(page.url);
  return callback.searchParams.has('code');
}

export const json = (page: Page) => JSON.parse(page.html) as Record<string, unknown>;
