// /admin/audit: the audit trail for operators. GET /admin/audit searches it newest first
// (?account=EMAIL|SUB&client=ID&type=T|family.*&since=&until=&limit=&cursor=), GET /admin/audit/tail
// answers what came after an event (?after=ID, oldest first) for following it live.
// Times are epoch milliseconds, ISO 8601, or a span back from now (30m, 2h, 7d).
import type { Router } from '@koa/router';
import { z } from 'zod';
import type { Users } from '../accounts/users.ts';
import { matches, type AuditTrail } from '../audit/trail.ts';
import { describeIssues } from './body.ts';
import { invalidRequest } from './errors.ts';
import { MAX_PAGE } from './paging.ts';

const SPAN = /^(\d{1,6})([smhd])$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A moment: epoch ms, an ISO 8601 date, or a span back from now. */
export function parseWhen(value: string, now = Date.now()): number | undefined {
  const span = SPAN.exec(value);
  if (span) return now - Number(span[1]) * UNIT_MS[span[2] as keyof typeof UNIT_MS];
  if (/^\d{1,16}$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

const when = z.string().max(64).transform((value, ctx) => {
  const at = parseWhen(value);
  if (at === undefined) ctx.addIssue({ code: 'custom', message: 'a time: epoch ms, ISO 8601, or 30m, 2h, 7d back from now' });
  return at ?? 0;
});
const streamId = z.string().regex(/^\d{1,16}-\d{1,10}$/, 'an event id from an earlier answer');

const SearchQuery = z.strictObject({
  account: z.string().trim().min(1).max(320).optional(),
  client: z.string().min(1).max(256).optional(),
  type: z.string().regex(/^[a-z_]+(\.[a-z_]+)*(\.\*)?$/, 'an event type (token.issued) or a family (token.*)').max(128).optional(),
  since: when.optional(),
  until: when.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
  cursor: streamId.optional(),
});
const TailQuery = z.strictObject({
  ...SearchQuery.pick({ account: true, client: true, type: true }).shape,
  after: z.union([streamId, z.literal('0'), z.literal('now')]).default('now'),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
});

export function auditRoutes(router: Router, trail: AuditTrail, users: Users): void {
  // An account by its email, as operators know people, or by its sub, as events name them.
  const subOf = async (account: string | undefined) => (account?.includes('@') ? ((await users.findByEmail(account))?.sub ?? '(nobody)') : account);

  router.get('/audit', async (ctx) => {
    const parsed = SearchQuery.safeParse(ctx.query);
    if (!parsed.success) throw invalidRequest(describeIssues(parsed.error));
    const { account, cursor, ...query } = parsed.data;
    const sub = await subOf(account);
    await trail.flush();
    const { events, next } = await trail.search({ ...query, ...(sub ? { account: sub } : {}), ...(cursor ? { before: cursor } : {}) });
    ctx.body = { events: events.map(({ id, event }) => ({ id, ...event })), ...(next ? { next } : {}) };
  });

  router.get('/audit/tail', async (ctx) => {
    const parsed = TailQuery.safeParse(ctx.query);
    if (!parsed.success) throw invalidRequest(describeIssues(parsed.error));
    await trail.flush();
    if (parsed.data.after === 'now') {
      const newest = (await trail.search({ limit: 1 })).events[0];
      ctx.body = { events: [], last: newest?.id ?? '0' };
      return;
    }
    const { after, limit, account, ...filter } = parsed.data;
    const sub = await subOf(account);
    const events = await trail.after(after, limit);
    const wanted = events.filter(({ event }) => matches(event, { ...filter, ...(sub ? { account: sub } : {}), limit }));
    // `last` moves past what did not match too, so the next call does not read it again.
    ctx.body = { events: wanted.map(({ id, event }) => ({ id, ...event })), last: events.at(-1)?.id ?? after };
  });
}
