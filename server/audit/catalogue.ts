// The audit event catalogue: every event Latchkey records, each with a strict, versioned zod
// schema from which its TypeScript type is derived. A sink validates with parseAuditEvent before
// storing anything; docs/audit-events.md is generated from this list (docs.ts).
//
// Versioning: an event's shape never changes under the same version. A change that could break
// a reader (a field removed, renamed or retyped, a value newly allowed in an enum a reader
// switches on) gets the next version; adding an optional field does not.
import { z } from 'zod';
import type { EventDefinition } from './define.ts';
import * as admin from './events-admin.ts';
import * as registration from './events-registration.ts';
import { requestRefused } from './events-refusals.ts';
import { alertRaised } from './events-alerts.ts';
import * as mfa from './events-mfa.ts';
import * as mail from './events-mail.ts';
import * as signin from './events-signin.ts';
import * as tokens from './events-tokens.ts';

/** In the order the docs list them. */
export const EVENT_DEFINITIONS = [
  signin.signinSucceeded,
  signin.signinFailed,
  signin.signinFeedback,
  signin.consentGranted,
  signin.consentDenied,
  signin.sessionStarted,
  signin.sessionEnded,
  signin.backchannelLogoutSent,
  requestRefused,
  mfa.signinSecondFactorFailed,
  mfa.mfaEnrolled,
  mfa.mfaRemoved,
  mfa.mfaRecoveryCodesGenerated,
  mfa.mfaReset,
  tokens.tokenIssued,
  tokens.tokenRefreshed,
  tokens.refreshReuseDetected,
  tokens.tokenRevoked,
  tokens.tokenIntrospected,
  tokens.grantRevoked,
  admin.keyStaged,
  admin.keyPromoted,
  admin.keyRetired,
  admin.keyRemoved,
  admin.keyRevoked,
  admin.clientCreated,
  admin.clientChanged,
  admin.clientRemoved,
  registration.registrationTokenIssued,
  registration.clientRegistered,
  registration.clientRegistrationUpdated,
  registration.clientRegistrationDeleted,
  admin.userCreated,
  admin.userChanged,
  admin.userRemoved,
  admin.userDisabled,
  admin.userEnabled,
  admin.userPasswordChanged,
  admin.adminApiCalled,
  mail.passwordReset,
  mail.emailVerified,
  mail.signedUp,
  mail.mailFailed,
  alertRaised,
] as const;

function schemasOf<const T extends readonly { schema: unknown }[]>(definitions: T) {
  return definitions.map((definition) => definition.schema) as { -readonly [I in keyof T]: T[I]['schema'] };
}

export const auditEventSchema = z.discriminatedUnion('type', schemasOf(EVENT_DEFINITIONS));

export type AuditEvent = z.infer<typeof auditEventSchema>;
export type AuditEventType = AuditEvent['type'];
export type AuditEventOf<T extends AuditEventType> = Extract<AuditEvent, { type: T }>;

const byType = new Map<string, EventDefinition>(EVENT_DEFINITIONS.map((d) => [d.type, d as unknown as EventDefinition]));
if (byType.size !== EVENT_DEFINITIONS.length) throw new Error('audit catalogue: an event type is defined twice');

export const EVENT_TYPES = EVENT_DEFINITIONS.map((d) => d.type) as AuditEventType[];

export function definitionOf(type: string): EventDefinition | undefined {
  return byType.get(type);
}

export type ParseResult = { ok: true; event: AuditEvent } | { ok: false; problems: string[] };

/** Validates an event at the sink: unknown types, unknown fields and bad values are refused. */
export function parseAuditEvent(input: unknown): ParseResult {
  const type = (input as { type?: unknown } | null)?.type;
  const definition = typeof type === 'string' ? byType.get(type) : undefined;
  if (!definition) return { ok: false, problems: [`type: not an audit event type: ${String(type)}`] };
  const result = definition.schema.safeParse(input);
  if (result.success) return { ok: true, event: result.data as AuditEvent };
  return { ok: false, problems: result.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`) };
}

/**
 * What the person an event concerns may see of it: undefined for operator-only events and for
 * events that name no account; otherwise the event without its operator-only fields.
 */
export function personView(event: AuditEvent): Partial<AuditEvent> | undefined {
  const definition = byType.get(event.type);
  if (!definition || definition.audience !== 'person') return undefined;
  if (!('account' in event) || !event.account) return undefined;
  const hidden = new Set(definition.operatorOnly);
  return Object.fromEntries(Object.entries(event).filter(([name]) => !hidden.has(name))) as Partial<AuditEvent>;
}
