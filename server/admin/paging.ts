// Listings page through their collection: ?limit=N (1-1000, default 100) and ?cursor=C, the
// `next` of the previous page. A page's `next` is absent on the last page.
import type { Context } from 'koa';
import { z } from 'zod';
import { describeIssues } from './body.ts';
import { invalidRequest } from './errors.ts';

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
  cursor: z.string().min(1).max(1000).optional(),
});

export function readPage(ctx: Context): { limit: number; after?: string } {
  const parsed = PageQuery.safeParse(ctx.query);
  if (!parsed.success) throw invalidRequest(describeIssues(parsed.error));
  return { limit: parsed.data.limit, after: parsed.data.cursor };
}
