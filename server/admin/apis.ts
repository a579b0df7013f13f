// /admin/apis: register, list and remove APIs (resource servers, RFC 8707). The body has the shape
// of a RESOURCE_SERVERS entry: identifier, name, scopes (names, or { name, description }),
// accessTokenFormat, accessTokenTTL. APIs from RESOURCE_SERVERS are listed but read-only.
import type { Router } from '@koa/router';
import { resourceServer } from '../../config/schema.ts';
import type { ApiRegistry } from '../apis/registry.ts';
import { readBody } from './body.ts';
import { notFound } from './errors.ts';
import { readPage } from './paging.ts';

export function apiRoutes(router: Router, apis: ApiRegistry): void {
  router.get('/apis', async (ctx) => {
    const { apis: page, next } = await apis.list(readPage(ctx));
    ctx.body = { apis: page, ...(next === undefined ? {} : { next }) };
  });

  router.post('/apis', async (ctx) => {
    const api = await apis.add(readBody(ctx, resourceServer));
    ctx.status = 201;
    ctx.body = { api };
  });

  // The identifier is a URL: the caller percent-encodes it into one path segment.
  router.delete('/apis/:id', async (ctx) => {
    const identifier = ctx.params.id ?? '';
    if (!(await apis.remove(identifier))) throw notFound(`no API with identifier ${identifier}`);
    ctx.status = 204;
  });
}
