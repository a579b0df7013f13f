// Alerts, as server/alerts/ raises them, and the audit event that records one. The rule names
// live here, in the catalogue, so that the docs list them and a sink can validate them.
import { z } from 'zod';
import { defineEvent } from './define.ts';
import { actorOf, sub } from './fields.ts';
import { secretLookingName } from './secret-names.ts';

export const ALERT_RULES = [
  'failed_signins_per_account',
  'failed_signins_per_ip',
  'password_spraying',
  'refresh_token_reuse',
  'new_country',
  'impossible_travel',
  'unusual_signin',
  'unusual_signin_refused',
  'signing_key_revoked',
  'admin_off_hours',
] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const primitive = z.union([z.string().max(256), z.number(), z.boolean(), z.null()]);

/** A few facts backing an alert: small, flat, and never under a secret-looking name. */
export const evidence = z
  .record(
    z.string().min(1).max(64).refine((name) => !secretLookingName(name), 'evidence may not carry a field named like a secret'),
    z.union([primitive, z.array(primitive).max(16)]),
  )
  .refine((record) => Object.keys(record).length <= 16, 'at most 16 pieces of evidence');

const alertFields = {
  rule: z.enum(ALERT_RULES).describe('Which rule fired: see [Alert rules](#alert-rules)'),
  severity: z.enum(SEVERITIES),
  account: sub.optional().describe('The account it concerns, when it concerns one'),
  network: z.string().min(1).max(64).optional().describe('The network it concerns, as a CIDR prefix (`203.0.113.0/24`, `2001:db8:1::/48`)'),
  summary: z.string().min(1).max(512).describe('Why, in words, for the operator'),
  personMessage: z.string().min(1).max(512).optional().describe('Why, in plain words, for the person whose account it concerns'),
  evidence: evidence.describe('A few facts behind it (at most 16, flat), e.g. counts, times, places'),
};

export const alertSchema = z.strictObject({
  ...alertFields,
  at: z.number().int().nonnegative(),
  ip: z.union([z.ipv4(), z.ipv6()]).optional().describe('The address it concerns'),
});
export type Alert = z.infer<typeof alertSchema>;

export const alertRaised = defineEvent('alert.raised', 1, {
  summary: 'An alert rule fired (server/alerts/). The person sees only the severity and the person message.',
  audience: 'person',
  source: 'server/alerts/evaluate.ts, for each alert it returns',
  actor: actorOf('system'),
  fields: {
    ...alertFields,
    subjectIp: z.union([z.ipv4(), z.ipv6()]).optional().describe('The address it concerns (the envelope `ip` stays empty: Latchkey raised it)'),
  },
  operatorOnly: ['rule', 'network', 'summary', 'evidence', 'subjectIp'],
});

/** The audit event recording an alert. */
export function alertRaisedEvent(alert: Alert): z.infer<typeof alertRaised.schema> {
  const { at, ip, ...rest } = alert;
  return { type: 'alert.raised', version: 1, at, actor: { kind: 'system', component: 'alerts' }, ...rest, ...(ip ? { subjectIp: ip } : {}) };
}
