// The building blocks every audit event is made of: who acted, from where, and the shapes of the
// identifiers events may carry. Shared here so that every event spells a client id or a place the
// same way, and so that the docs can describe each block once.
import { z } from 'zod';

/** An account's `sub`: the stable random id, never the email. */
export const sub = z.string().min(1).max(128).describe('An account, by its `sub`');
export const clientId = z.string().min(1).max(256).describe('A client, by its client id');

/**
 * The truncated HMAC of an identifier (see ids.ts): 16 bytes, base64url, always 22 characters.
 * The fixed length is a guard as well as a format: oidc-provider's token ids are 43 characters
 * and its session and grant ids 21, so a raw id put here by mistake fails validation.
 */
export const idHash = z
  .string()
  .regex(/^[A-Za-z0-9_-]{22}$/, 'an id hash from hashId(), never the id itself')
  .meta({ id: 'IdHash', description: 'HMAC-SHA256 of an identifier under the audit key, truncated to 16 bytes, base64url (22 characters). Equal ids give equal hashes, so events about one token can be joined; the id cannot be recovered from it.' });

/**
 * Sessions are named by oidc-provider's `session.uid`, which stays the same for the session's
 * life; never by `session.jti`, which is the session cookie's value.
 */
export const sessionIdHash = idHash.describe('Hash of the session’s uid (oidc-provider `session.uid`), never of the session cookie (`session.jti`)');

export const scopes = z.array(z.string().min(1).max(128)).max(64).describe('Scopes');
export const resource = z.string().min(1).max(2048);
export const grantType = z.string().min(1).max(128).describe('OAuth grant type, e.g. `authorization_code`, `refresh_token`, `client_credentials`, `urn:ietf:params:oauth:grant-type:device_code`');
export const kid = z.string().min(1).max(256).describe('The key id (`kid`) as published in the JWKS');

export const place = z
  .strictObject({
    country: z.string().regex(/^[A-Z]{2}$/).describe('ISO 3166-1 alpha-2 country code'),
    city: z.string().min(1).max(128).optional().describe('City name, in English'),
    latitude: z.number().min(-90).max(90).optional().describe('Degrees north; with `longitude`, what the travel rules measure by'),
    longitude: z.number().min(-180).max(180).optional().describe('Degrees east'),
    asn: z.number().int().min(0).max(4_294_967_295).optional().describe('Autonomous system number of the network'),
  })
  .meta({ id: 'Place', description: 'Where a request came from, as far as IP geolocation can tell: a guess, not a fact.' });
export type Place = z.infer<typeof place>;

export const ACTOR_SCHEMAS = {
  account: z.strictObject({ kind: z.literal('account'), sub }).describe('A signed-in person, by `sub`.'),
  client: z.strictObject({ kind: z.literal('client'), clientId }).describe('A client application, by client id.'),
  admin: z
    .strictObject({ kind: z.literal('admin'), id: z.string().min(1).max(128) })
    .describe('A caller of the admin API, by the name of its credential (today one: `admin-token`), never the credential.'),
  system: z
    .strictObject({ kind: z.literal('system'), component: z.string().min(1).max(64) })
    .describe('Latchkey itself, e.g. `key-rotation` (the schedule) or `alerts`.'),
  anonymous: z.strictObject({ kind: z.literal('anonymous') }).describe('Nobody known yet: a failed sign-in, an unauthenticated admin call.'),
};
export type ActorKind = keyof typeof ACTOR_SCHEMAS;
export const ACTOR_KINDS = Object.keys(ACTOR_SCHEMAS) as ActorKind[];
export type Actor =
  | z.infer<(typeof ACTOR_SCHEMAS)['account']>
  | z.infer<(typeof ACTOR_SCHEMAS)['client']>
  | z.infer<(typeof ACTOR_SCHEMAS)['admin']>
  | z.infer<(typeof ACTOR_SCHEMAS)['system']>
  | z.infer<(typeof ACTOR_SCHEMAS)['anonymous']>;

type ActorSchema<K extends ActorKind> = (typeof ACTOR_SCHEMAS)[K];

/** The actor schema of an event that only these kinds of actor can cause. */
export function actorOf<const K extends ActorKind>(...kinds: [K, ...K[]]) {
  return z.discriminatedUnion('kind', kinds.map((kind) => ACTOR_SCHEMAS[kind]) as [ActorSchema<K>, ...ActorSchema<K>[]]);
}

/** The kinds of actor an actor schema built by actorOf accepts, for the docs. */
export function actorKindsOf(schema: z.ZodType): ActorKind[] {
  return ACTOR_KINDS.filter((kind) => schema.safeParse({ kind, ...SAMPLE_ACTOR_FIELDS[kind] }).success);
}
const SAMPLE_ACTOR_FIELDS: Record<ActorKind, object> = {
  account: { sub: 's' },
  client: { clientId: 'c' },
  admin: { id: 'a' },
  system: { component: 'c' },
  anonymous: {},
};

/** Fields every event has, whatever its type. */
export const envelope = {
  at: z.number().int().nonnegative().describe('When it happened, epoch milliseconds'),
  requestId: z.string().min(1).max(128).optional().describe('The request id (`X-Request-Id`) of the request that caused it'),
  ip: z.union([z.ipv4(), z.ipv6()]).optional().describe('Address of the caller, as Latchkey saw it (through a trusted proxy)'),
  userAgent: z.string().max(512).optional().describe('The caller’s User-Agent header, cut to 512 characters'),
  place: place.optional().describe('Where the caller was, going by its address: see [Place](#place)'),
};
