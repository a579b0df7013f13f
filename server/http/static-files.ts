// Serves the few static assets of the pages (stylesheet, icon, the passkey script) from
// views/static, and the browser side of @simplewebauthn from its package (`extra`: name → file).
// A fixed allow-list read once at start-up: no path is ever joined from the request.
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Middleware } from 'koa';

const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.js': 'text/javascript; charset=utf-8' };

export function staticFiles(dir: string, extra: Record<string, string> = {}): Middleware {
  const files = new Map(
    readdirSync(dir)
      .filter((name) => TYPES[extname(name)])
      .map((name) => [`/static/${name}`, { body: readFileSync(join(dir, name)), type: TYPES[extname(name)]! }]),
  );
  for (const [name, file] of Object.entries(extra)) files.set(`/static/${name}`, { body: readFileSync(file), type: TYPES[extname(name)]! });
  return async (ctx, next) => {
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? files.get(ctx.path) : undefined;
    if (!file) return next();
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.type = file.type;
    ctx.body = file.body;
  };
}
