// Every number the alert rules decide by, with defaults an operator can override in part. Kept
// apart from the rules so that configuration (and the docs) can read them without the rules.
import { z } from 'zod';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const ms = z.number().int().min(0);
const positive = z.number().int().min(1);
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:MM, 00:00 to 24:00');
const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone, e.g. Europe/Berlin');

export const thresholdsSchema = z.strictObject({
  failedSignInsPerAccount: z.strictObject({ count: positive, windowMs: positive, cooldownMs: ms }),
  /** Per address; an IPv6 address counts by its /64, which one machine can roam freely. */
  failedSignInsPerIp: z.strictObject({ count: positive, windowMs: positive, cooldownMs: ms }),
  passwordSpraying: z.strictObject({
    distinctAccounts: z.number().int().min(2),
    windowMs: positive,
    ipv4PrefixBits: z.number().int().min(8).max(32),
    ipv6PrefixBits: z.number().int().min(16).max(128),
    cooldownMs: ms,
  }),
  refreshTokenReuse: z.strictObject({ cooldownMs: ms }),
  newCountry: z.strictObject({
    /** Successful sign-ins an account must have had before a new country is reported: its baseline. */
    learningSignIns: z.number().int().min(0),
    cooldownMs: ms,
  }),
  impossibleTravel: z.strictObject({ maxSpeedKmh: z.number().positive(), minDistanceKm: z.number().min(0), cooldownMs: ms }),
  signingKeyRevoked: z.strictObject({ cooldownMs: ms }),
  unusualSignIn: z.strictObject({ cooldownMs: ms }),
  unusualSignInRefused: z.strictObject({ cooldownMs: ms }),
  adminOffHours: z
    .strictObject({
      enabled: z.boolean(),
      timeZone,
      /** Working days, 0 = Sunday … 6 = Saturday. */
      days: z.array(z.number().int().min(0).max(6)).max(7),
      /** Working hours, local time: from `start` (inclusive) to `end` (exclusive), within one day. */
      start: clock,
      end: clock,
      cooldownMs: ms,
    })
    .refine((hours) => hours.start < hours.end, 'adminOffHours.start must be before adminOffHours.end'),
  /** Bounds of the state (see state.ts): the most entries kept of each kind, the oldest evicted first. */
  limits: z.strictObject({
    accounts: positive,
    logins: positive,
    ips: positive,
    networks: positive,
    cooldowns: positive,
    countriesPerAccount: positive,
    /** An account not seen for this long is forgotten (and learns its baseline again). */
    accountMemoryMs: positive,
    /** How often expired entries are swept out of the whole state. */
    sweepEveryMs: positive,
  }),
});

export type Thresholds = z.infer<typeof thresholdsSchema>;

export const DEFAULT_THRESHOLDS: Thresholds = {
  failedSignInsPerAccount: { count: 10, windowMs: 15 * MINUTE, cooldownMs: HOUR },
  failedSignInsPerIp: { count: 25, windowMs: 10 * MINUTE, cooldownMs: HOUR },
  passwordSpraying: { distinctAccounts: 10, windowMs: HOUR, ipv4PrefixBits: 24, ipv6PrefixBits: 48, cooldownMs: HOUR },
  refreshTokenReuse: { cooldownMs: 10 * MINUTE },
  newCountry: { learningSignIns: 3, cooldownMs: DAY },
  impossibleTravel: { maxSpeedKmh: 1000, minDistanceKm: 300, cooldownMs: 6 * HOUR },
  signingKeyRevoked: { cooldownMs: HOUR },
  unusualSignIn: { cooldownMs: 0 },
  unusualSignInRefused: { cooldownMs: 0 },
  adminOffHours: { enabled: true, timeZone: 'UTC', days: [1, 2, 3, 4, 5], start: '07:00', end: '20:00', cooldownMs: HOUR },
  limits: {
    accounts: 10_000,
    logins: 10_000,
    ips: 10_000,
    networks: 5_000,
    cooldowns: 10_000,
    countriesPerAccount: 16,
    accountMemoryMs: 90 * DAY,
    sweepEveryMs: 10 * MINUTE,
  },
};

export type ThresholdOverrides = { [K in keyof Thresholds]?: Partial<Thresholds[K]> };

/** The defaults with some numbers changed, validated: a bad override throws, naming the field. */
export function resolveThresholds(overrides: ThresholdOverrides = {}): Thresholds {
  const merged: Record<string, unknown> = {};
  for (const rule of new Set([...Object.keys(DEFAULT_THRESHOLDS), ...Object.keys(overrides)])) {
    // An unknown rule name is passed on as it is, for the strict schema to refuse by name.
    merged[rule] = { ...DEFAULT_THRESHOLDS[rule as keyof Thresholds], ...overrides[rule as keyof Thresholds] };
  }
  const result = thresholdsSchema.safeParse(merged);
  if (!result.success) {
    throw new RangeError(`alert thresholds: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}
