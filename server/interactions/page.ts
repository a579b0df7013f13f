// One way every Latchkey page is written, whichever code draws it (the interaction routes or the
// hooks oidc-provider calls for logout and device pages): the page security headers, never
// cached, the issuer in the footer, and the CSRF token of Latchkey's own forms when there is one.
import type { Context } from 'koa';
import type { Render } from '../http/render.ts';
import { usePageHeaders } from '../http/security-headers.ts';

export type Page = (ctx: Context, template: string, data: Record<string, unknown>) => void;

export function createPage(render: Render, issuer: string): Page {
  return (ctx, template, data) => {
    usePageHeaders(ctx);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = render(template, { issuer, csrf: ctx.state.csrf, ...data });
  };
}
