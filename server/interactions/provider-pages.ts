// The pages oidc-provider renders itself (logout confirmation, signed out, device code entry and
// confirmation, errors), drawn with Latchkey's templates instead of the library's defaults.
// See docs/README.md of oidc-provider: features.rpInitiatedLogout.logoutSource,
// postLogoutSuccessSource, features.deviceFlow.userCodeInputSource, userCodeConfirmSource,
// successSource, and renderError.
//
// Their forms carry one anti-forgery field, `xsrf`, which oidc-provider checks on the POST.
import type { KoaContextWithOIDC } from 'oidc-provider';
import { LatchkeyError } from '../errors.ts';
import { renderErrorPage } from '../http/errors.ts';
import type { Render } from '../http/render.ts';
import { usePageHeaders } from '../http/security-headers.ts';
import { xsrfSecret } from '../provider/internals.ts';
import { clientSummary } from './client-summary.ts';
import { personWords } from './error-words.ts';
import { createPage } from './page.ts';

type Ctx = KoaContextWithOIDC;

const clientOf = (ctx: Ctx) => (ctx.oidc?.client ? clientSummary(ctx.oidc.client) : undefined);

export type ProviderPages = ReturnType<typeof providerPages>;

export function providerPages(render: Render, issuer: string) {
  const page = createPage(render, issuer);

  return {
    async logoutSource(ctx: Ctx) {
      const xsrf = xsrfSecret(ctx);
      page(ctx, 'logout', { title: 'Sign out', action: ctx.oidc.urlFor('end_session_confirm'), xsrf, client: clientOf(ctx) });
    },
    async postLogoutSuccessSource(ctx: Ctx) {
      page(ctx, 'signed-out', { title: 'Signed out', client: clientOf(ctx) });
    },
    async userCodeInputSource(ctx: Ctx, _form: string, _out: unknown, err?: Error & { userCode?: string }) {
      let error: string | undefined;
      if (err && (err.userCode || err.name === 'NoCodeError')) error = 'That code is not valid or has expired. Check the code on your device and try again.';
      else if (err?.name === 'AbortedError') error = 'The sign-in request was cancelled.';
      else if (err) error = 'We could not process that request. Start again on your device.';
      if (err) ctx.status = 400;
      // A code was entered and matched no usable device code: the user code throttle counts it
      // (security/user-code-throttle.ts).
      if (err?.userCode) ctx.state.userCodeRejected = true;
      const xsrf = xsrfSecret(ctx);
      page(ctx, 'device-code', { title: 'Connect a device', action: ctx.oidc.urlFor('code_verification'), xsrf, userCode: err?.userCode ?? '', error });
    },
    async userCodeConfirmSource(ctx: Ctx, _form: string, _client: unknown, _deviceInfo: unknown, userCode: string) {
      const xsrf = xsrfSecret(ctx);
      page(ctx, 'device-code', { title: 'Confirm the device', action: ctx.oidc.urlFor('code_verification'), xsrf, userCode, client: clientOf(ctx) });
    },
    async successSource(ctx: Ctx) {
      const client = clientOf(ctx);
      page(ctx, 'device-success', { title: 'Device connected', client, message: `You are signed in${client ? ` to ${client.name}` : ''} on your device. You can close this page.` });
    },
    async renderError(ctx: Ctx, out: { error: string; error_description?: string }, error: Error & { status?: number }) {
      const status = error.status ?? (ctx.status >= 400 ? ctx.status : 500);
      // out.error_description is the app developers' (and the operator log's), not the person's.
      const description = personWords(out.error, status);
      usePageHeaders(ctx);
      ctx.type = 'html';
      ctx.body = renderErrorPage(render, issuer, new LatchkeyError(status, out.error, description), ctx.state?.requestId as string | undefined);
    },
  };
}
