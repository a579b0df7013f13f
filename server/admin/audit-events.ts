// The audit events of administration through the admin API: accounts and clients created,
// changed and removed, by the admin token (the one admin credential there is today).
import type { Context } from 'koa';
import type { AuditEvent } from '../audit/catalogue.ts';
import type { Auditor } from '../audit/context.ts';

export type AdminRecord = (ctx: Context, event: Record<string, unknown> & { type: string }) => void;

export function adminRecorder(auditor: Auditor | undefined): AdminRecord {
  return (ctx, event) => auditor?.record({ version: 1, ...auditor.envelope(ctx), actor: { kind: 'admin', id: 'admin-token' }, ...event } as AuditEvent);
}
