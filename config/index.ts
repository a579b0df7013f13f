// Typed, validated configuration. loadConfig() turns the environment into a Config or throws a
// ConfigError whose lines each name the variable at fault; main.ts prints them and exits 2. The
// Config type is what the schema's transform below produces: there is no hand-written copy.
import { z } from 'zod';
import { estimatedBits, MIN_SECRET_BITS } from './entropy.ts';
import { envSchema, type Env } from './schema.ts';

export type { ResourceServer } from './schema.ts';

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

/** Settings that combine several variables, checked after each variable is valid on its own. */
function crossChecks(e: Env, issuer: string, devSeed: boolean): string[] {
  const problems: string[] = [];
  const redis = e.REDIS_URL || e.REDIS_SENTINELS || e.REDIS_CLUSTER_NODES;
  if (e.REDIS_SENTINELS && e.REDIS_CLUSTER_NODES) {
    problems.push('REDIS_SENTINELS: cannot be combined with REDIS_CLUSTER_NODES; choose one topology');
  }
  if (e.SESSION_IDLE_TTL > e.SESSION_MAX_TTL) {
    problems.push(`SESSION_IDLE_TTL: must not be longer than SESSION_MAX_TTL (${e.SESSION_MAX_TTL}), the absolute lifetime of a session`);
  }
  if (e.KEY_PREPUBLICATION_SECONDS <= e.JWKS_MAX_AGE_SECONDS) {
    problems.push(`KEY_PREPUBLICATION_SECONDS: must be longer than JWKS_MAX_AGE_SECONDS (${e.JWKS_MAX_AGE_SECONDS}), or relying parties could meet a signing key they have not fetched`);
  }
  if (e.RISK_DENY_THRESHOLD <= e.RISK_STEP_UP_THRESHOLD) problems.push(`RISK_DENY_THRESHOLD: must be above RISK_STEP_UP_THRESHOLD (${e.RISK_STEP_UP_THRESHOLD}): a sign-in too unusual to allow with a second factor is more unusual than one that asks for it`);
  if (e.MFA_POLICY === 'adaptive' && !e.RISK) problems.push('MFA_POLICY: adaptive asks for a second factor when the risk model finds a sign-in unusual; it needs RISK=true');
  if (e.AUDIT_WEBHOOK_URL && !e.AUDIT_WEBHOOK_SECRET) problems.push('AUDIT_WEBHOOK_SECRET: required with AUDIT_WEBHOOK_URL, to sign each delivery (at least 32 characters)');
  if (e.NODE_ENV === 'production') {
    if (!redis) problems.push('REDIS_URL: required in production; the in-memory store loses everything on restart');
    if (!issuer.startsWith('https://')) problems.push(`ISSUER: must be an https:// URL in production (got ${issuer})`);
    if (!e.KEYS_ENCRYPTION_KEY) problems.push('KEYS_ENCRYPTION_KEY: required in production to encrypt signing keys at rest');
    if (!e.COOKIE_SECRETS) problems.push('COOKIE_SECRETS: required in production to sign cookies');
    if (devSeed) problems.push('DEV_SEED: the demo account and clients are for development only; unset it');
    const guessable = (secret: string) => estimatedBits(secret) < MIN_SECRET_BITS;
    if (e.COOKIE_SECRETS?.some(guessable)) problems.push('COOKIE_SECRETS: a secret has too little variety to be safe (like 32 × "a"); generate one with `openssl rand -hex 32`');
    if (e.ADMIN_TOKEN && guessable(e.ADMIN_TOKEN)) problems.push('ADMIN_TOKEN: has too little variety to be safe (like 32 × "a"); generate one with `openssl rand -hex 32`');
    if (e.AUDIT_WEBHOOK_URL && !e.AUDIT_WEBHOOK_URL.startsWith('https://')) problems.push('AUDIT_WEBHOOK_URL: must be https in production (the events name people and addresses)');
    if (e.AUDIT_WEBHOOK_SECRET && guessable(e.AUDIT_WEBHOOK_SECRET)) problems.push('AUDIT_WEBHOOK_SECRET: has too little variety to be safe (like 32 × "a"); generate one with `openssl rand -hex 32`');
    if (e.ALLOW_SIGNUP && !e.SMTP_URL) problems.push('ALLOW_SIGNUP: needs SMTP_URL in production, to mail the verification links');
    if (e.METRICS_TOKEN && guessable(e.METRICS_TOKEN)) problems.push('METRICS_TOKEN: has too little variety to be safe (like 32 × "a"); generate one with `openssl rand -hex 32`');
  }
  return problems;
}

/** The schema of the whole configuration: the variables, then the Config built from them. */
function configSchema(devSecrets: () => DevSecrets) {
  return envSchema.transform((e, ctx) => {
    const issuer = (e.ISSUER ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
    const devSeed = e.DEV_SEED ?? e.NODE_ENV === 'development';
    const problems = crossChecks(e, issuer, devSeed);
    for (const message of problems) ctx.addIssue({ code: 'custom', message, path: [] });
    if (problems.length) return z.NEVER;

    const development = e.NODE_ENV === 'development';
    const needDev = !e.KEYS_ENCRYPTION_KEY || !e.COOKIE_SECRETS || (!e.ADMIN_TOKEN && development);
    const dev = needDev && e.NODE_ENV !== 'production' ? devSecrets() : undefined;
    const redis = e.REDIS_URL || e.REDIS_SENTINELS || e.REDIS_CLUSTER_NODES;
    return {
      env: e.NODE_ENV,
      host: e.HOST ?? (e.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
      port: e.PORT,
      issuer,
      trustProxy: e.TRUST_PROXY,
      /** Proxies in front that each append to X-Forwarded-For: the client is the entry the
       * outermost trusted one appended, counted from the right. */
      trustProxyHops: e.TRUST_PROXY_HOPS,
      logLevel: e.LOG_LEVEL,
      /** On SIGTERM, how long /readyz says "draining" while requests are still served, before
       * the listener closes: the time a load balancer takes to notice. None by default outside
       * production, where Ctrl-C should stop at once. */
      shutdownDrainSeconds: e.SHUTDOWN_DRAIN_SECONDS ?? (e.NODE_ENV === 'production' ? 5 : 0),
      /** Undefined means the embedded in-memory store (development and tests only). */
      redis: redis
        ? {
            ...(e.REDIS_URL ? { url: e.REDIS_URL } : {}),
            ...(e.REDIS_SENTINELS ? { sentinels: e.REDIS_SENTINELS } : {}),
            ...(e.REDIS_CLUSTER_NODES ? { clusterNodes: e.REDIS_CLUSTER_NODES } : {}),
            sentinelName: e.REDIS_SENTINEL_NAME,
            keyPrefix: e.REDIS_KEY_PREFIX,
            /** Consumes of codes and refresh tokens wait for this many replicas (WAIT). */
            ...(e.REDIS_WAIT_REPLICAS > 0 ? { waitReplicas: { replicas: e.REDIS_WAIT_REPLICAS, timeoutMs: e.REDIS_WAIT_TIMEOUT_MS } } : {}),
          }
        : undefined,
      /** Encrypt with the first, decrypt with any. */
      keysEncryptionKeys: e.KEYS_ENCRYPTION_KEY ?? [dev!.keysEncryptionKey],
      /** Sign cookies with the first, verify with any. */
      cookieSecrets: e.COOKIE_SECRETS ?? [dev!.cookieSecret],
      /** Where the admin API listens instead of the public origin; undefined: on the public origin. */
      adminListen: e.ADMIN_LISTEN,
      /** Undefined disables the admin API. */
      adminToken: e.ADMIN_TOKEN ?? (development ? dev!.adminToken : undefined),
      /** Bearer token for /metrics; without it /metrics answers 404. */
      metricsToken: e.METRICS_TOKEN,

      /** JWT access tokens (RFC 9068). */
      signingAlg: e.SIGNING_ALG,
      /** ID tokens of clients that register no id_token_signed_response_alg. */
      idTokenSigningAlg: e.ID_TOKEN_SIGNING_ALG,
      /** `scopes`: the claims of granted scopes go in the ID token too (what RPs expect);
       * `strict`: with an access token they go to userinfo only (OIDC Core 5.4). */
      idTokenClaims: e.ID_TOKEN_CLAIMS,
      /** `optional`: who set up a second factor is asked for it; `required`: everyone needs one (server/mfa/policy.ts). */
      mfaPolicy: e.MFA_POLICY,
      keys: {
        /** Cron expression (UTC) of scheduled rotations; undefined when "off". */
        rotationSchedule: e.KEY_ROTATION_SCHEDULE === 'off' ? undefined : e.KEY_ROTATION_SCHEDULE,
        prePublicationSeconds: e.KEY_PREPUBLICATION_SECONDS,
        pollSeconds: e.KEYS_POLL_SECONDS,
        jwksMaxAgeSeconds: e.JWKS_MAX_AGE_SECONDS,
      },
      bcryptCost: e.BCRYPT_COST,
      clientsFile: e.CLIENTS_FILE,
      resourceServers: e.RESOURCE_SERVERS ?? [],
      /** Seconds in which a just-rotated refresh token yields the same successor; 0 is off. */
      refreshTokenReuseGrace: e.REFRESH_TOKEN_REUSE_GRACE_SECONDS,
      /** Require DPoP proofs to carry a server nonce (RFC 9449 §8). */
      dpopNonce: e.DPOP_NONCE,
      /** Dynamic client registration (RFC 7591) and management (RFC 7592), with initial access
       * tokens from `latchkey clients registration-token`. */
      dynamicRegistration: e.DYNAMIC_REGISTRATION,
      /** The audit trail: on, and the stream's bounds (the JSON lines in the log are not bounded here). */
      audit: {
        enabled: e.AUDIT,
        maxEvents: e.AUDIT_MAX_EVENTS,
        maxAgeMs: e.AUDIT_MAX_AGE_DAYS * 86_400_000,
        webhook: e.AUDIT_WEBHOOK_URL ? { url: e.AUDIT_WEBHOOK_URL, secret: e.AUDIT_WEBHOOK_SECRET!, events: e.AUDIT_WEBHOOK_EVENTS, claimAfterMs: e.AUDIT_WEBHOOK_CLAIM_AFTER_SECONDS * 1000 } : undefined,
      },
      /** Overrides of the alert rules' thresholds (server/alerts/thresholds.ts). */
      alertThresholds: e.ALERT_THRESHOLDS ?? {},
      /** The learned risk model at sign-in (server/risk/): on, and its thresholds on the score. */
      risk: { enabled: e.RISK, stepUp: e.RISK_STEP_UP_THRESHOLD, deny: e.RISK_DENY_THRESHOLD },
      /** Place addresses with the offline GeoIP databases (account console, risk, audit). */
      geoip: e.GEOIP,
      /** Outgoing requests (back-channel logout, jwks_uri, sector_identifier_uri) may reach
       * loopback and private addresses: refused (SSRF) but in development, where the apps are
       * on localhost. */
      outboundPrivateNetworks: (e.OUTBOUND_PRIVATE_NETWORKS ?? (development ? 'allow' : 'deny')) === 'allow',
      /** Outgoing mail (server/mail/): SMTP when SMTP_URL is set; otherwise, in development, the
       * in-process outbox at /dev/mail; otherwise none (no mail is sent, the flows that need it
       * are not offered). */
      mail: {
        smtpUrl: e.SMTP_URL,
        from: e.MAIL_FROM ?? `Latchkey <no-reply@${new URL(issuer).hostname}>`,
        outbox: !e.SMTP_URL && development,
        /** A queued mail an instance took and could not send for this long is taken by another. */
        claimAfterMs: e.MAIL_CLAIM_AFTER_SECONDS * 1000,
      },
      /** Self-service sign-up at /signup. */
      allowSignup: e.ALLOW_SIGNUP,
      /** Seconds an email verification link stays valid. */
      emailVerificationTtl: e.EMAIL_VERIFICATION_TTL,
      /** Setting a new password by a reset link also removes every app's offline access. */
      passwordResetRemovesOfflineAccess: e.PASSWORD_RESET_REMOVES_OFFLINE_ACCESS,
      /** Seed a demo account (development only). */
      devSeed,
      /** Seconds a device waits between polls (RFC 8628 interval); slow_down adds 5 each time. */
      devicePollInterval: e.DEVICE_POLL_INTERVAL_SECONDS,
      ttl: {
        accessToken: e.ACCESS_TOKEN_TTL,
        idToken: e.ID_TOKEN_TTL,
        refreshToken: e.REFRESH_TOKEN_TTL,
        authorizationCode: e.AUTHORIZATION_CODE_TTL,
        deviceCode: e.DEVICE_CODE_TTL,
        interaction: e.INTERACTION_TTL,
        sessionIdle: e.SESSION_IDLE_TTL,
        sessionMax: e.SESSION_MAX_TTL,
        grant: e.GRANT_TTL,
      },
    };
  });
}

export type Config = z.output<ReturnType<typeof configSchema>>;
export type RedisConfig = NonNullable<Config['redis']>;

function describe(issues: z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    // Cross-variable problems name their variable at the start of the message already.
    if (issue.path.length === 0) return issue.message;
    const name = String(issue.path[0]);
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
  const present = Object.fromEntries(Object.entries(environment).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema(devSecrets).safeParse(present);
  if (!parsed.success) throw new ConfigError(describe(parsed.error.issues));
  return parsed.data;
}
