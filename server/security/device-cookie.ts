// The device cookie: set on every successful sign-in, it tells a later sign-in from this browser
// that the browser has signed in to that account before, which buys the attempt the device's own
// budget (sign-in-throttle.ts) instead of the account's shared one. It is never a credential:
// nothing else reads it, it grants no session, and it holds no email, only a random device id and
// a pseudonym per account (an HMAC, so it cannot be made for an account without the key). Signed
// with the app's cookie keys (Koa's keygrip, app.keys), so a forged or edited one is ignored; once
// those keys have rotated away the browser is simply unknown until its next sign-in.
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { Pseudonym } from './pseudonyms.ts';

// __Host-: Secure, Path=/, no Domain; a subdomain cannot plant or overwrite it.
const SECURE_NAME = '__Host-latchkey-device';
const PLAIN_NAME = 'latchkey-device';
// Longer than any password change cycle; browsers cap cookie lifetimes near 400 days.
const MAX_AGE_MS = 365 * 24 * 3600 * 1000;
/** Accounts one browser is remembered for, most recent first. */
const MAX_ACCOUNTS = 8;
const FORMAT = /^[\w-]{22}(?:\.[\w-]{16}){0,8}$/;

export interface Device {
  id: string;
  accounts: string[];
}

export interface DeviceCookies {
  /** The browser's device, when its cookie is there and its signature holds. */
  read(ctx: Context): Device | undefined;
  /** The device id, when this device has signed in to the account (normalised email) before. */
  knownFor(device: Device | undefined, email: string): string | undefined;
  /** After a successful sign-in: this device now knows that account. Answers the device id the browser now holds. */
  remember(ctx: Context, device: Device | undefined, email: string): string;
}

export function deviceCookies(pseudonym: Pseudonym): DeviceCookies {
  const tag = (email: string) => pseudonym('device-account', email).slice(0, 16);
  const nameFor = (ctx: Context) => (ctx.secure ? SECURE_NAME : PLAIN_NAME);
  return {
    read(ctx) {
      const value = ctx.cookies.get(nameFor(ctx), { signed: true });
      if (!value || !FORMAT.test(value)) return undefined;
      const [id, ...accounts] = value.split('.') as [string, ...string[]];
      return { id, accounts };
    },
    knownFor(device, email) {
      return device?.accounts.includes(tag(email)) ? device.id : undefined;
    },
    remember(ctx, device, email) {
      const id = device?.id ?? randomBytes(16).toString('base64url');
      const accounts = [tag(email), ...(device?.accounts ?? []).filter((a) => a !== tag(email))].slice(0, MAX_ACCOUNTS);
      ctx.cookies.set(nameFor(ctx), [id, ...accounts].join('.'), {
        signed: true,
        httpOnly: true,
        secure: ctx.secure,
        sameSite: 'lax',
        path: '/',
        maxAge: MAX_AGE_MS,
        overwrite: true,
      });
      return id;
    },
  };
}
