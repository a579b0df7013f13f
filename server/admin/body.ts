// Request bodies: JSON only, small, and validated with zod before any handler sees them.
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { z } from 'zod';
import { invalidRequest } from './errors.ts';

export const BODY_LIMIT = '100kb';

export const parseJsonBody = () =>
  bodyParser({ enableTypes: ['json'], jsonLimit: BODY_LIMIT, jsonStrict: true, encoding: 'utf-8' });

/** Zod issues as one readable line. Zod's messages name the field, never the value given. */
export function describeIssues(error: z.ZodError): string {
  const lines = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return lines.join('; ');
}

export function readBody<T>(ctx: Context, schema: z.ZodType<T>): T {
  if (!ctx.request.is('application/json')) {
    throw invalidRequest('the request body must be JSON (Content-Type: application/json)');
  }
  const result = schema.safeParse(ctx.request.body);
  if (!result.success) throw invalidRequest(describeIssues(result.error));
  return result.data;
}
