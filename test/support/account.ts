// The account console as a person uses it (test/account/*): opening it in a browser that is or
// is not signed in, reading its rows, pressing its buttons; and an app's back-channel logout
// endpoint that keeps what it is sent.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import * as oidc from 'openid-client';
import type { Browser, Page } from './browser.ts';
import type { Running } from './latchkey.ts';
import { PASSWORD } from './oidc.ts';

/** Opens a console page; signs in first when the console asks (with the password given). */
export async function openConsole(running: { url: string }, browser: Browser, path = '/account', credentials?: { email: string; password?: string }): Promise<Page> {
  let page = await browser.get(`${running.url}${path}`);
  if (page.doc.querySelector('#password') && credentials) {
    page = await browser.submit(page, { Email: credentials.email, Password: credentials.password ?? PASSWORD }, 'Sign in');
  }
  return page;
}

/** The console's CSRF token on a page (the hidden field of its forms). */
export function csrfOf(page: Page): string {
  const value = page.doc.querySelector('input[name="_csrf"]')?.getAttribute('value');
  expect(value, `a CSRF field on ${page.url}`).to.be.a('string');
  return value!;
}

/** The names of the apps listed on a console page. */
export function appNames(page: Page): string[] {
  return page.doc.querySelectorAll('.row .app-name').map((n) => n.text.trim());
}

/** The text of the page's main content, whitespace folded. */
export function textOf(page: Page): string {
  return (page.doc.querySelector('main')?.text ?? page.html).replace(/\s+/g, ' ').trim();
}

/** Presses a button of the page by its text (each button is its own little form). */
export async function press(browser: Browser, page: Page, button: string): Promise<Page> {
  const form = page.doc.querySelectorAll('form').find((f) => f.querySelectorAll('button').some((b) => b.text.trim() === button));
  if (!form) throw new Error(`no button "${button}" on ${page.url}: ${textOf(page).slice(0, 500)}`);
  const data = new URLSearchParams();
  for (const input of form.querySelectorAll('input[type="hidden"]')) data.set(input.getAttribute('name')!, input.getAttribute('value') ?? '');
  return browser.navigate('POST', new URL(form.getAttribute('action')!, page.url).href, data);
}

/** An app's back-channel logout endpoint: answers 200 and keeps every logout token. */
export async function logoutReceiver(): Promise<{ uri: string; tokens: string[]; close(): Promise<void> }> {
  const tokens: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token');
      if (req.method === 'POST' && token) tokens.push(token);
      res.writeHead(token ? 200 : 400).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel-logout`,
    tokens,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Whether a token still works, asked as its own client (RFC 7662). */
export async function isActive(config: oidc.Configuration, token: string): Promise<boolean> {
  return (await oidc.tokenIntrospection(config, token)).active;
}

/** A browser's Latchkey session uid, from the console's own sessions page ("This device"). */
export async function currentSessionId(running: Running, browser: Browser): Promise<string> {
  const page = await openConsole(running, browser, '/account/sessions');
  const row = page.doc.querySelectorAll('.row').find((r) => r.querySelector('.badge')?.text.includes('This device'));
  const action = row?.querySelector('form')?.getAttribute('action');
  expect(action, 'the current session has a sign-out button').to.be.a('string');
  return decodeURIComponent(action!.split('/')[3]!);
}
