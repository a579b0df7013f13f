// One audit event type: its strict zod schema (envelope, actor and its own fields) and what the
// docs and the person-facing view need to know about it. Strict, so that a field the catalogue
// does not know (`token`, `password`, …) is rejected at the sink instead of being stored.
import { z } from 'zod';
import { envelope } from './fields.ts';
import { secretNamedFields } from './secret-names.ts';

/**
 * Who may see an event: `operator` — only the people who run Latchkey; `person` — also the person
 * whose account the event's `account` field names (say, on an account activity page), less the
 * fields listed in `operatorOnly`.
 */
export type Audience = 'operator' | 'person';

export interface EventSpec<A extends z.ZodType, F extends z.ZodRawShape> {
  /** One sentence: what happened. */
  summary: string;
  audience: Audience;
  /** Who causes it (see actorOf). */
  actor: A;
  fields: F;
  /** Fields only operators may see, even when the event is shown to the person. */
  operatorOnly?: readonly (keyof F & string)[];
  /** Where Latchkey emits it from, for the docs and the wiring. */
  source: string;
}

export function defineEvent<const T extends string, const V extends number, A extends z.ZodType, F extends z.ZodRawShape>(
  type: T,
  version: V,
  spec: EventSpec<A, F>,
) {
  if (!/^[a-z]+(_[a-z]+)*(\.[a-z]+(_[a-z]+)*)+$/.test(type)) throw new Error(`audit event type ${type}: dotted snake_case names only`);
  const schema = z.strictObject({
    type: z.literal(type),
    version: z.literal(version),
    ...envelope,
    actor: spec.actor,
    ...spec.fields,
  });
  // Caught at import, so in every test run: a catalogue that could carry a secret never ships.
  const secretFields = secretNamedFields(schema);
  if (secretFields.length) throw new Error(`audit event ${type}: fields named like secrets: ${secretFields.join(', ')}`);
  if (spec.audience === 'person' && !('account' in spec.fields)) {
    throw new Error(`audit event ${type}: a person-visible event needs an account field saying whose it is`);
  }
  return {
    type,
    version,
    summary: spec.summary,
    audience: spec.audience,
    source: spec.source,
    operatorOnly: (spec.operatorOnly ?? []) as readonly string[],
    schema,
  };
}

export type EventDefinition = ReturnType<typeof defineEvent<string, number, z.ZodType, z.ZodRawShape>>;
