// Typed, validated configuration. loadConfig() turns the environment into a Config or throws a
// ConfigError whose lines each name the variable at fault; main.ts prints them and exits 2.
import type { z } from 'zod';
import { schema, type ResourceServer } from './schema.ts';

export type { ResourceServer } from './schema.ts';

export interface RedisConfig {
  url?: string;
  sentinels?: { host: string; port: number }[];
  sentinelName: string;
  clusterNodes?: { host: string; port: number }[];
  keyPrefix: string;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  issuer: string;
  trustProxy: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Undefined means the embedded in-memory store (development and tests only). */
  redis?: RedisConfig;
  /** Encrypt with the first, decrypt with any. */
  keysEncryptionKeys: Buffer[];
  /** Sign cookies with the first, verify with any. */
  cookieSecrets: string[];
  /** Undefined disables the admin API. */
  adminToken?: string;
  signingAlg: 'ES256' | 'RS256';
  keys: {
    /** Cron expression (UTC) of scheduled rotations; undefined when "off". */
    rotationSchedule?: string;
    prePublicationSeconds: number;
    pollSeconds: number;
    jwksMaxAgeSeconds: number;
  };
  bcryptCost: number;
  clientsFile?: string;
  resourceServers: ResourceServer[];
  /** Seconds in which a just-rotated refresh token yields the same successor; 0 is off. */
  refreshTokenReuseGrace: number;
  /** Seed a demo account and demo clients (development only). */
  devSeed: boolean;
  ttl: {
    accessToken: number;
    idToken: number;
    refreshToken: number;
    authorizationCode: number;
    deviceCode: number;
    interaction: number;
    session: number;
    grant: number;
  };
}

/** Secrets that development mode generates once and keeps in .latchkey/dev.json. */
export interface DevSecrets {
  keysEncryptionKey: Buffer;
  cookieSecret: string;
  adminToken: string;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function describe(issues: z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment');
    const where = issue.path.length > 1 ? ` (at ${issue.path.slice(1).join('.')})` : '';
    return `${name}${where}: ${issue.message}`;
  });
}

export function loadConfig(
  environment: Record<string, string | undefined>,
  devSecrets: () => DevSecrets = () => {
    throw new Error('no development secrets available');
  },
): Config {
  // Empty variables count as unset, as a shell user expects from `FOO= npm start`.
  const present = Object.fromEntries(
    Object.entries(environment).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) throw new ConfigError(describe(parsed.error.issues));
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';

  const devSeedRaw = present.DEV_SEED;
  const devSeed = devSeedRaw === undefined ? e.NODE_ENV === 'development' : /^(true|1|yes)$/.test(devSeedRaw);
  const issuer = (e.ISSUER ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  const redis: RedisConfig | undefined =
    e.REDIS_URL || e.REDIS_SENTINELS || e.REDIS_CLUSTER_NODES
      ? {
          url: e.REDIS_URL,
          sentinels: e.REDIS_SENTINELS,
          sentinelName: e.REDIS_SENTINEL_NAME,
          clusterNodes: e.REDIS_CLUSTER_NODES,
          keyPrefix: e.REDIS_KEY_PREFIX,
        }
      : undefined;

  const problems: string[] = [];
  if (e.REDIS_SENTINELS && e.REDIS_CLUSTER_NODES) {
    problems.push('REDIS_SENTINELS: cannot be combined with REDIS_CLUSTER_NODES; choose one topology');
  }
  if (e.KEY_PREPUBLICATION_SECONDS <= e.JWKS_MAX_AGE_SECONDS) {
    problems.push(`KEY_PREPUBLICATION_SECONDS: must be longer than JWKS_MAX_AGE_SECONDS (${e.JWKS_MAX_AGE_SECONDS}), or relying parties could meet a signing key they have not fetched`);
  }
  if (production) {
    if (!redis) problems.push('REDIS_URL: required in production; the in-memory store loses everything on restart');
    if (!issuer.startsWith('https://')) problems.push(`ISSUER: must be an https:// URL in production (got ${issuer})`);
    if (!e.KEYS_ENCRYPTION_KEY) problems.push('KEYS_ENCRYPTION_KEY: required in production to encrypt signing keys at rest');
    if (!e.COOKIE_SECRETS) problems.push('COOKIE_SECRETS: required in production to sign cookies');
    if (devSeed) problems.push('DEV_SEED: the demo account and clients are for development only; unset it');
  }
  if (problems.length) throw new ConfigError(problems);

  const needDev = !e.KEYS_ENCRYPTION_KEY || !e.COOKIE_SECRETS || (!e.ADMIN_TOKEN && e.NODE_ENV === 'development');
  const dev = needDev && !production ? devSecrets() : undefined;

  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    issuer,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    redis,
    keysEncryptionKeys: e.KEYS_ENCRYPTION_KEY ?? [dev!.keysEncryptionKey],
    cookieSecrets: e.COOKIE_SECRETS ?? [dev!.cookieSecret],
    adminToken: e.ADMIN_TOKEN ?? (e.NODE_ENV === 'development' ? dev!.adminToken : undefined),
    signingAlg: e.SIGNING_ALG,
    keys: {
      rotationSchedule: e.KEY_ROTATION_SCHEDULE === 'off' ? undefined : e.KEY_ROTATION_SCHEDULE,
      prePublicationSeconds: e.KEY_PREPUBLICATION_SECONDS,
      pollSeconds: e.KEYS_POLL_SECONDS,
      jwksMaxAgeSeconds: e.JWKS_MAX_AGE_SECONDS,
    },
    bcryptCost: e.BCRYPT_COST,
    clientsFile: e.CLIENTS_FILE,
    resourceServers: e.RESOURCE_SERVERS ?? [],
    devSeed,
    refreshTokenReuseGrace: e.REFRESH_TOKEN_REUSE_GRACE_SECONDS,
    ttl: {
      accessToken: e.ACCESS_TOKEN_TTL,
      idToken: e.ID_TOKEN_TTL,
      refreshToken: e.REFRESH_TOKEN_TTL,
      authorizationCode: e.AUTHORIZATION_CODE_TTL,
      deviceCode: e.DEVICE_CODE_TTL,
      interaction: e.INTERACTION_TTL,
      session: e.SESSION_TTL,
      grant: e.GRANT_TTL,
    },
  };
}
