// POST /admin/tokens/inspect {"token": "..."}: what the server knows about a token (token-inspect.ts).
// A POST, so that the token never appears in a URL, a proxy's log or the request log.
import type { Router } from '@koa/router';
import { z } from 'zod';
import { readBody } from './body.ts';
import type { tokenInspector } from './token-inspect.ts';

const InspectBody = z.strictObject({ token: z.string().min(1).max(16_384) });

export function tokenRoutes(router: Router, inspector: ReturnType<typeof tokenInspector>): void {
  router.post('/tokens/inspect', async (ctx) => {
    const { token } = readBody(ctx, InspectBody);
    ctx.body = await inspector.inspect(token);
  });
}
