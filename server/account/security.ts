// The console's second-factor pages (a fresh sign-in first for every change, and to see a new
// secret):
//   GET  /account/security                   what is set up
//   GET  /account/security/totp              a new authenticator secret: the QR code (an SVG
//                                            image drawn here, no script) and the otpauth:// URI
//   POST /account/security/totp              the first code from the app: the factor is on, and
//                                            the first recovery codes are shown, once
//   POST /account/security/totp/remove       off, and the recovery codes with it
//   POST /account/security/recovery-codes    ten new codes, shown once; the old ones stop working
//   GET  /account/security/passkeys/new      add a passkey (the page's script, views/static/passkeys.js)
//   GET  /account/security/passkeys/options  its registration options (JSON)
//   POST /account/security/passkeys          the new credential (JSON, with the CSRF token)
//   POST /account/security/passkeys/:id/remove
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Context } from 'koa';
import QRCode from 'qrcode';
import type { Auditor } from '../audit/context.ts';
import { verifyCsrf } from '../http/csrf.ts';
import { ROUTES } from '../http/routes.ts';
import type { Factors } from '../mfa/factors.ts';
import type { Passkeys } from '../mfa/passkeys.ts';
import { bodyParser } from '@koa/bodyparser';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { NoteActivity } from './activity.ts';
import type { ConsoleAuth, Viewer } from './console-auth.ts';

export interface SecurityPageDeps {
  auth: ConsoleAuth;
  factors: Factors;
  passkeys: Passkeys;
  note: NoteActivity;
  auditor?: Auditor;
  /** Mails the person about a factor added or removed (always sent), when mail is on. */
  mail?: { enabled: boolean; notify: (sub: string, kind: 'mfa-added' | 'mfa-removed', facts: { ctx?: Context; detail?: string }) => void };
  cookieSecrets: string[];
  csrfCookie: string;
  show: (ctx: Context, template: string, viewer: Viewer | undefined, data: Record<string, unknown>) => void;
}

const base = `${ROUTES.account.path}/security`;

export function securityPages(router: Router, form: Middleware, deps: SecurityPageDeps): void {
  const { auth, factors } = deps;

  /** The viewer, signed in within the last few minutes; otherwise a trip through the sign-in. */
  async function fresh(ctx: Context, back = base): Promise<Viewer | undefined> {
    if (ctx.method === 'POST') verifyCsrf(ctx, deps.cookieSecrets, deps.csrfCookie, (ctx.request.body as Record<string, unknown> | undefined)?._csrf);
    const viewer = await auth.viewer(ctx);
    if (viewer && auth.isFresh(viewer)) return viewer;
    ctx.redirect(`${ROUTES.account.path}/login?${new URLSearchParams({ back, fresh: '1' })}`);
    return undefined;
  }
  const audit = (ctx: Context, viewer: Viewer, event: { type: 'mfa.enrolled' | 'mfa.removed'; factor: 'totp' | 'passkey' } | { type: 'mfa.recovery_codes_generated'; how: 'enrolment' | 'regenerated' }) => {
    deps.auditor?.record({ version: 1, ...deps.auditor.envelope(ctx), actor: { kind: 'account', sub: viewer.sub }, account: viewer.sub, ...event } as never);
    if (event.type === 'mfa.recovery_codes_generated' || !deps.mail?.enabled) return;
    const what = event.factor === 'totp' ? 'An authenticator app' : 'A passkey';
    deps.mail.notify(viewer.sub, event.type === 'mfa.enrolled' ? 'mfa-added' : 'mfa-removed', { ctx, detail: `${what} was ${event.type === 'mfa.enrolled' ? 'added to' : 'removed from'} your account's two-step verification.` });
  };
  const changed = (ctx: Context, viewer: Viewer, text: string) => deps.note(ctx, viewer.sub, { kind: 'mfa.changed', text });
  const showCodes = (ctx: Context, viewer: Viewer, codes: string[], first: boolean) =>
    deps.show(ctx, 'security-codes', viewer, { title: 'Your recovery codes', section: 'security', codes, first });

  async function enrolPage(ctx: Context, viewer: Viewer, error?: string) {
    const { uri, secret } = await factors.startTotp(viewer.sub, viewer.user.email);
    const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    if (error) ctx.status = 400;
    deps.show(ctx, 'security-totp', viewer, {
      title: 'Set up an authenticator app',
      section: 'security',
      qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
      uri,
      secret: secret.replace(/(.{4})/g, '$1 ').trim(),
      error,
    });
  }

  router.get('/security', async (ctx) => {
    const viewer = await auth.viewer(ctx);
    if (!viewer) return ctx.redirect(`${ROUTES.account.path}/login?${new URLSearchParams({ back: base })}`);
    deps.show(ctx, 'security', viewer, { title: 'Second factor', status: await factors.status(viewer.sub) });
  });

  router.get('/security/totp', async (ctx) => {
    const viewer = await fresh(ctx, `${base}/totp`);
    if (!viewer) return;
    if ((await factors.status(viewer.sub)).totp) return ctx.redirect(base);
    await enrolPage(ctx, viewer);
  });

  router.post('/security/totp', form, async (ctx) => {
    const viewer = await fresh(ctx, `${base}/totp`);
    if (!viewer) return;
    const code = (ctx.request.body as Record<string, unknown> | undefined)?.code;
    const result = await factors.confirmTotp(viewer.sub, typeof code === 'string' ? code.slice(0, 64) : '');
    if (!result.ok) return enrolPage(ctx, viewer, 'That code is not right. Type the six digits the app shows now for this account.');
    audit(ctx, viewer, { type: 'mfa.enrolled', factor: 'totp' });
    changed(ctx, viewer, 'You set up an authenticator app as a second factor');
    if (!result.recoveryCodes) return ctx.redirect(`${base}?${new URLSearchParams({ notice: 'Your authenticator app is set up. Signing in now asks for a code from it.' })}`);
    audit(ctx, viewer, { type: 'mfa.recovery_codes_generated', how: 'enrolment' });
    showCodes(ctx, viewer, result.recoveryCodes, true);
  });

  router.post('/security/totp/remove', form, async (ctx) => {
    const viewer = await fresh(ctx);
    if (!viewer) return;
    const removed = await factors.removeTotp(viewer.sub);
    if (removed) {
      audit(ctx, viewer, { type: 'mfa.removed', factor: 'totp' });
      changed(ctx, viewer, 'You removed your authenticator app and recovery codes');
    }
    ctx.redirect(`${base}?${new URLSearchParams({ notice: removed ? 'Your authenticator app is removed, and your recovery codes with it. Signing in now asks for your password only.' : 'There was no authenticator app to remove.' })}`);
  });

  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '32kb' });
  /** For the script's requests: the fresh viewer, or a JSON answer saying to sign in again. */
  async function freshForScript(ctx: Context): Promise<Viewer | undefined> {
    ctx.set('Cache-Control', 'no-store');
    const viewer = await auth.viewer(ctx);
    if (viewer && auth.isFresh(viewer)) return viewer;
    ctx.status = 403;
    ctx.body = { error: 'Sign in again first: adding a passkey needs a sign-in within the last five minutes.', location: `${ROUTES.account.path}/login?${new URLSearchParams({ back: `${base}/passkeys/new`, fresh: '1' })}` };
    return undefined;
  }

  router.get('/security/passkeys/new', async (ctx) => {
    const viewer = await fresh(ctx, `${base}/passkeys/new`);
    if (viewer) deps.show(ctx, 'security-passkey', viewer, { title: 'Add a passkey', section: 'security' });
  });

  router.get('/security/passkeys/options', async (ctx) => {
    const viewer = await freshForScript(ctx);
    if (viewer) ctx.body = await deps.passkeys.registrationOptions(viewer.sub, viewer.user.email);
  });

  router.post('/security/passkeys', json, async (ctx) => {
    const body = ctx.request.body as { _csrf?: unknown; response?: RegistrationResponseJSON; name?: unknown } | undefined;
    verifyCsrf(ctx, deps.cookieSecrets, deps.csrfCookie, body?._csrf);
    const viewer = await freshForScript(ctx);
    if (!viewer) return;
    const added = body?.response && (await deps.passkeys.register(viewer.sub, body.response, typeof body.name === 'string' ? body.name.trim() : ''));
    if (!added) {
      ctx.status = 400;
      ctx.body = { error: 'The passkey could not be checked, so it was not saved. Try again.' };
      return;
    }
    audit(ctx, viewer, { type: 'mfa.enrolled', factor: 'passkey' });
    changed(ctx, viewer, 'You added a passkey');
    ctx.body = { location: `${base}?${new URLSearchParams({ notice: 'Your passkey is added. You can sign in with it, without your password.' })}` };
  });

  router.post('/security/passkeys/:id/remove', form, async (ctx) => {
    const viewer = await fresh(ctx);
    if (!viewer) return;
    const removed = await deps.passkeys.remove(viewer.sub, ctx.params.id ?? '');
    if (removed) {
      audit(ctx, viewer, { type: 'mfa.removed', factor: 'passkey' });
      changed(ctx, viewer, 'You removed a passkey');
    }
    ctx.redirect(`${base}?${new URLSearchParams({ notice: removed ? 'That passkey is removed.' : 'There was no such passkey to remove.' })}`);
  });

  router.post('/security/recovery-codes', form, async (ctx) => {
    const viewer = await fresh(ctx);
    if (!viewer) return;
    const codes = await factors.regenerateRecoveryCodes(viewer.sub);
    if (!codes) return ctx.redirect(`${base}?${new URLSearchParams({ notice: 'Set up an authenticator app or a passkey first: recovery codes stand in for them.' })}`);
    audit(ctx, viewer, { type: 'mfa.recovery_codes_generated', how: 'regenerated' });
    changed(ctx, viewer, 'You made new recovery codes; the old ones no longer work');
    showCodes(ctx, viewer, codes, false);
  });
}
