// docs/audit-events.md, generated from the catalogue and the alert rules, so the docs say what
// the code does and nothing else. `npm run docs:audit` rewrites the file; a test fails when the
// file and this function disagree.
//
// It lives here rather than in a scripts/ folder because the rendering is a pure function of the
// catalogue, tested like the rest of it, and running this file directly is all the "script"
// there is: a folder for one entry point would only be one more place to look (and one more for
// the typecheck to be told about).
import { z } from 'zod';
import { RULES } from '../alerts/rules/index.ts';
import { DEFAULT_THRESHOLDS } from '../alerts/thresholds.ts';
import { EVENT_DEFINITIONS } from './catalogue.ts';
import type { EventDefinition } from './define.ts';
import { ACTOR_SCHEMAS, actorKindsOf, envelope, idHash, place } from './fields.ts';

interface JsonSchema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  format?: string;
  description?: string;
  $ref?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  $defs?: Record<string, JsonSchema>;
}

const GROUPS: [prefix: string[], title: string][] = [
  [['signin', 'consent', 'session', 'logout', 'request'], 'Sign-in, consent and sessions'],
  [['mfa'], 'Second factors'],
  [['token', 'grant'], 'Tokens and grants'],
  [['key'], 'Signing keys'],
  [['client'], 'Clients'],
  [['user'], 'Users'],
  [['admin'], 'Admin API'],
  [['mail'], 'Mail'],
  [['alert'], 'Alerts'],
];
const ENVELOPE = new Set(['type', 'version', 'actor', ...Object.keys(envelope)]);

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (value: unknown) => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

function typeOf(schema: JsonSchema): string {
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop()!;
    return `[${name}](#${name.toLowerCase()})`;
  }
  if (schema.const !== undefined) return code(schema.const);
  if (schema.enum) return schema.enum.map(code).join(' | ');
  const options = schema.anyOf ?? schema.oneOf;
  if (options) {
    if (options.every((o) => o.format === 'ipv4' || o.format === 'ipv6')) return 'IP address';
    return options.map(typeOf).join(' or ');
  }
  if (schema.type === 'array') return `list of ${schema.items ? typeOf(schema.items) : 'anything'}`;
  if (schema.type === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    return `map of names to ${typeOf(schema.additionalProperties)}`;
  }
  if (Array.isArray(schema.type)) return schema.type.join(' or ');
  return schema.type ?? 'anything';
}

function fieldRows(schema: JsonSchema, skip: Set<string> = new Set()): string[] {
  const required = new Set(schema.required ?? []);
  // A field of a shared type says what it is in the shared type's own description.
  const meaning = (field: JsonSchema) => field.description ?? (field.$ref ? `See ${typeOf(field)}.` : '');
  return Object.entries(schema.properties ?? {})
    .filter(([name]) => !skip.has(name))
    .map(([name, field]) => `| \`${name}\` | ${cell(typeOf(field))} | ${required.has(name) ? 'yes' : 'no'} | ${cell(meaning(field))} |`);
}

const TABLE_HEAD = ['| Field | Type | Required | Meaning |', '| --- | --- | --- | --- |'];

/** The JSON Schema of a zod schema; a shared type's own schema rather than a reference to it. */
function json(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, { unrepresentable: 'any' }) as JsonSchema;
  const root = out.$ref?.startsWith('#/$defs/') ? out.$defs?.[out.$ref.slice('#/$defs/'.length)] : undefined;
  return root ?? out;
}

function whoMaySee(definition: EventDefinition): string {
  if (definition.audience === 'operator') return 'operators only.';
  const hidden = definition.operatorOnly.map((name) => `\`${name}\``).join(', ');
  return `operators, and the person whose \`account\` it names${hidden ? ` — without ${hidden}` : ''}.`;
}

function eventSection(definition: EventDefinition): string[] {
  const schema = json(definition.schema);
  const actorKinds = actorKindsOf(definition.schema.shape.actor as z.ZodType);
  const rows = fieldRows(schema, ENVELOPE);
  return [
    `### \`${definition.type}\``,
    '',
    `${definition.summary}`,
    '',
    `- Version: ${definition.version}`,
    `- Actor: ${actorKinds.map((kind) => `\`${kind}\``).join(', ')}`,
    `- Who may see it: ${whoMaySee(definition)}`,
    `- Emitted from: ${definition.source}`,
    '',
    ...(rows.length ? [...TABLE_HEAD, ...rows] : ['No fields beyond the envelope.']),
    '',
  ];
}

function envelopeSection(): string[] {
  const common = json(z.strictObject({ type: z.string().describe('The event type, below'), version: z.number().int().describe('The version of that type’s shape'), ...envelope, actor: z.object({}).describe('Who caused it: see [Actors](#actors)') }));
  return ['## Every event', '', 'Fields every event has, whatever its type:', '', ...TABLE_HEAD, ...fieldRows(common), ''];
}

function actorSection(): string[] {
  const rows = Object.entries(ACTOR_SCHEMAS).map(([kind, schema]) => {
    const fields = Object.keys(schema.shape).filter((f) => f !== 'kind');
    return `| \`${kind}\` | ${fields.map((f) => `\`${f}\``).join(', ') || '—'} | ${cell(schema.description ?? '')} |`;
  });
  return ['## Actors', '', '`actor.kind` says who caused an event; the other fields say which one.', '', '| Kind | Fields | Who |', '| --- | --- | --- |', ...rows, ''];
}

function sharedSection(): string[] {
  const placeSchema = json(place);
  return [
    '## Shared types',
    '',
    '### Place',
    '',
    placeSchema.description ?? '',
    '',
    ...TABLE_HEAD,
    ...fieldRows(placeSchema),
    '',
    '### IdHash',
    '',
    json(idHash).description ?? '',
    '',
    'Made by `createIdHasher(key)` in `server/audit/ids.ts`; the kind of id (`token`, `grant`, `session`, `login`) is part of the hash.',
    '',
  ];
}

function alertRulesSection(): string[] {
  return [
    '## Alert rules',
    '',
    'The `rule` of an `alert.raised` event, from `server/alerts/`. Each fires at most once per subject within its cool-down. Thresholds are the defaults (`server/alerts/thresholds.ts`).',
    '',
    '| Rule | Severity | Fires on | Default thresholds |',
    '| --- | --- | --- | --- |',
    ...RULES.map((rule) => `| \`${rule.rule}\` | ${rule.severity} | ${cell(rule.description)} | ${cell(rule.thresholdsInWords(DEFAULT_THRESHOLDS))} |`),
    '',
  ];
}

export function renderAuditDocs(): string {
  const definitions = EVENT_DEFINITIONS as readonly unknown[] as readonly EventDefinition[];
  const groupOf = (type: string) => {
    const group = GROUPS.find(([prefixes]) => prefixes.includes(type.split('.')[0]!));
    if (!group) throw new Error(`docs: no section for audit event ${type}`);
    return group[1];
  };
  const lines = [
    '# Audit events',
    '',
    '<!-- Generated by server/audit/docs.ts from the catalogue: do not edit; run `npm run docs:audit`. -->',
    '',
    'Every event Latchkey records in its audit trail, with the fields it carries and who may see it. Each event type has a strict schema (`server/audit/catalogue.ts`): a sink validates with `parseAuditEvent` and refuses unknown types, unknown fields and bad values. Events carry no secrets: tokens, sessions and grants are named by an [IdHash](#idhash), changes name the fields that changed and not their values, and a field named like a secret (`token`, `code`, `password`, …) cannot be defined.',
    '',
    'An event’s shape never changes under one `version`: a change a reader could trip on gets the next version.',
    '',
    '**Who may see it.** *Operators* are the people who run Latchkey. An event marked for the person may also be shown to the person whose `account` it names (say, on an account activity page), through `personView`, which drops the operator-only fields.',
    '',
    ...envelopeSection(),
    ...actorSection(),
    ...sharedSection(),
    '## Events',
    '',
    '| Type | Version | Who may see it | What happened |',
    '| --- | --- | --- | --- |',
    ...definitions.map((d) => `| [\`${d.type}\`](#${d.type.replace(/[^a-z0-9_-]/g, '')}) | ${d.version} | ${d.audience === 'person' ? 'operators, person' : 'operators'} | ${cell(d.summary)} |`),
    '',
  ];
  for (const [, title] of GROUPS) {
    const members = definitions.filter((d) => groupOf(d.type) === title);
    if (members.length) lines.push(`## ${title}`, '', ...members.flatMap(eventSection));
  }
  lines.push(...alertRulesSection());
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

if (import.meta.main) process.stdout.write(renderAuditDocs());
