// One schema for every setting Latchkey reads from the environment, each variable parsed once
// here. The README's configuration table documents exactly these variables (a test holds them in
// step); config/index.ts turns the parsed variables into the Config the server reads.
import { Cron } from 'croner';
import { MFA_POLICIES } from './authentication.ts';
import { z } from 'zod';

/** The algorithms Latchkey signs with, one key each (keys/keyset.ts); shared by the keys and
 * oidc-provider's configuration (provider/configuration.ts) and a client's choice for ID tokens. */
export const SIGNING_ALGS = ['ES256', 'RS256', 'PS256', 'EdDSA'] as const;

function isCron(expression: string): boolean {
  try {
    new Cron(expression, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const optionalBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes')
  .optional();
const boolean = (fallback: boolean) => optionalBoolean.transform((v) => v ?? fallback);

const list = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

const hostPorts = list.pipe(
  z
    .array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'expected host:port'))
    .min(1)
    .transform((items) =>
      items.map((item) => {
        const [host, port] = item.split(':') as [string, string];
        return { host, port: Number(port) };
      }),
    ),
);

// 32 bytes, written as 64 hex digits or as base64/base64url.
const encryptionKey = z.string().transform((value, ctx) => {
  const bytes = /^[0-9a-f]{64}$/i.test(value)
    ? Buffer.from(value, 'hex')
    : Buffer.from(value, 'base64url');
  if (bytes.length !== 32) {
    ctx.addIssue({ code: 'custom', message: 'each key must be 32 bytes (64 hex digits or 43 base64url characters)' });
    return z.NEVER;
  }
  return bytes;
});

// An API (resource server, RFC 8707): the same shape in RESOURCE_SERVERS and in the admin API.
// Scope names are RFC 6749 scope tokens; each may carry the plain words the consent page shows.
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
export const scopeToken = z.string().max(200).regex(SCOPE_TOKEN, 'must be a scope token (printable ASCII without spaces, quotes or backslashes)');

/** An absolute URI without a fragment (RFC 8707 §2), compared as the exact string given. */
export function isResourceIdentifier(value: string): boolean {
  return value.length <= 500 && /^[\x21-\x7e]+$/.test(value) && !value.includes('#') && URL.parse(value) !== null;
}
export const resourceIdentifier = z.string().refine(isResourceIdentifier, 'must be an absolute URI without a fragment, at most 500 printable characters (RFC 8707)');

const apiScope = z.union([
  scopeToken.transform((name): { name: string; description?: string } => ({ name })),
  z.strictObject({ name: scopeToken, description: z.string().trim().min(1).max(200).optional() }),
]);

export const resourceServer = z.strictObject({
  identifier: resourceIdentifier,
  name: z.string().trim().min(1).max(200).optional(),
  scopes: z
    .array(apiScope)
    .max(100)
    .default([])
    .refine((scopes) => new Set(scopes.map((s) => s.name)).size === scopes.length, 'each scope once'),
  accessTokenFormat: z.enum(['jwt', 'opaque']).default('jwt'),
  accessTokenTTL: z.number().int().positive().optional(),
});

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  // No default here: loopback in development (the demo password is published), every address in
  // production.
  HOST: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  ISSUER: z.url().optional(),
  TRUST_PROXY: boolean(false),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(1).max(16).default(1),
  SHUTDOWN_DRAIN_SECONDS: z.coerce.number().int().min(0).max(300).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_SENTINELS: hostPorts.optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).default('mymaster'),
  REDIS_CLUSTER_NODES: hostPorts.optional(),
  REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(16).default(0),
  REDIS_WAIT_TIMEOUT_MS: z.coerce.number().int().min(1).max(5000).default(100),
  REDIS_KEY_PREFIX: z.string().regex(/^[\w:.-]*$/, 'letters, digits, _ : . - only').default('latchkey:'),

  KEYS_ENCRYPTION_KEY: list.pipe(z.array(encryptionKey).min(1)).optional(),
  COOKIE_SECRETS: list.pipe(z.array(z.string().min(32, 'each secret needs at least 32 characters')).min(1)).optional(),
  ADMIN_TOKEN: z.string().min(32, 'needs at least 32 characters').optional(),
  METRICS_TOKEN: z.string().min(32, 'needs at least 32 characters').optional(),
  ADMIN_LISTEN: z
    .string()
    .regex(/^(?:(\[[0-9a-fA-F:]+\]|[^:\s]+):)?\d{1,5}$/, 'expected host:port or a port (e.g. 127.0.0.1:9000)')
    .transform((v) => {
      const at = v.lastIndexOf(':');
      const host = at === -1 ? '127.0.0.1' : v.slice(0, at).replace(/^\[(.*)\]$/, '$1');
      return { host, port: Number(at === -1 ? v : v.slice(at + 1)) };
    })
    .optional(),
  SIGNING_ALG: z.enum(['ES256', 'RS256']).default('ES256'),
  ID_TOKEN_SIGNING_ALG: z.enum(SIGNING_ALGS).default('RS256'),
  ID_TOKEN_CLAIMS: z.enum(['scopes', 'strict']).default('scopes'),
  MFA_POLICY: z.enum(MFA_POLICIES).default('optional'),
  KEY_ROTATION_SCHEDULE: z
    .string()
    .default('0 3 * * 1')
    .refine((v) => v === 'off' || isCron(v), 'must be a cron expression (e.g. "0 3 * * 1", Mondays 03:00 UTC) or "off"'),
  KEY_PREPUBLICATION_SECONDS: z.coerce.number().int().min(1).default(86_400),
  KEYS_POLL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  JWKS_MAX_AGE_SECONDS: z.coerce.number().int().min(0).default(600),

  BCRYPT_COST: z.coerce.number().int().min(4).max(17).default(12),
  CLIENTS_FILE: z.string().min(1).optional(),
  RESOURCE_SERVERS: z
    .string()
    .transform((v, ctx) => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array' });
        return z.NEVER;
      }
    })
    .pipe(
      z
        .array(resourceServer)
        .refine((apis) => new Set(apis.map((api) => api.identifier)).size === apis.length, 'each identifier once'),
    )
    .optional(),
  // No default here: development seeds by default, every other mode does not.
  DEV_SEED: optionalBoolean,

  DPOP_NONCE: boolean(false),
  DYNAMIC_REGISTRATION: boolean(false),
  GEOIP: boolean(true),
  AUDIT: boolean(true),
  RISK: boolean(true),
  RISK_STEP_UP_THRESHOLD: z.coerce.number().finite().min(-50).max(50).default(-0.5),
  RISK_DENY_THRESHOLD: z.coerce.number().finite().min(-50).max(50).default(11),
  // Checked against the rules' own schema when Latchkey builds (server/alerts/thresholds.ts).
  ALERT_THRESHOLDS: z
    .string()
    .transform((v, ctx) => {
      try {
        const parsed = JSON.parse(v) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, Record<string, unknown>>;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object of rule names to settings, e.g. {"failedSignInsPerAccount":{"count":20}}' });
      return z.NEVER;
    })
    .optional(),
  AUDIT_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  AUDIT_WEBHOOK_SECRET: z.string().min(32, 'needs at least 32 characters').optional(),
  AUDIT_WEBHOOK_EVENTS: z
    .string()
    .default('*')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$/, 'event types (token.issued) or families (alert.*), comma-separated, or *')).min(1)),
  AUDIT_WEBHOOK_CLAIM_AFTER_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  AUDIT_MAX_EVENTS: z.coerce.number().int().min(1000).max(100_000_000).default(1_000_000),
  AUDIT_MAX_AGE_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  OUTBOUND_PRIVATE_NETWORKS: z.enum(['deny', 'allow']).optional(),
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'expected smtp://[user:password@]host[:port] or smtps://…' }).optional(),
  MAIL_FROM: z
    .string()
    .trim()
    .max(320)
    .regex(/^(?:[^<>\r\n"]{1,100} <)?[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+>?$/, 'expected an address (no-reply@example.com) or a name and an address (Latchkey <no-reply@example.com>)')
    .optional(),
  MAIL_CLAIM_AFTER_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  ALLOW_SIGNUP: boolean(false),
  EMAIL_VERIFICATION_TTL: seconds(24 * 3600),
  PASSWORD_RESET_REMOVES_OFFLINE_ACCESS: boolean(true),
  REFRESH_TOKEN_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(300).default(0),
  ACCESS_TOKEN_TTL: seconds(3600),
  ID_TOKEN_TTL: seconds(3600),
  REFRESH_TOKEN_TTL: seconds(14 * 24 * 3600),
  AUTHORIZATION_CODE_TTL: seconds(60),
  DEVICE_CODE_TTL: seconds(600),
  DEVICE_POLL_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(60).default(5),
  INTERACTION_TTL: seconds(3600),
  SESSION_IDLE_TTL: seconds(14 * 24 * 3600),
  SESSION_MAX_TTL: seconds(30 * 24 * 3600),
  GRANT_TTL: seconds(14 * 24 * 3600),
});

export type Env = z.output<typeof envSchema>;
/** An API as Latchkey reads it: scopes normalised to { name, description? }. */
export type ResourceServer = z.output<typeof resourceServer>;
export type ResourceServerInput = z.input<typeof resourceServer>;
