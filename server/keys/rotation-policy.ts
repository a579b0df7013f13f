// The rotation policy follows from the configuration: how long anything signed can live.
import type { Config } from '../../config/index.ts';
import type { RotationPolicy } from './rotation.ts';

/** Allowance for relying parties whose clocks run behind ours. */
export const CLOCK_SKEW_SECONDS = 300;

/**
 * The longest lifetime of anything our keys sign: ID tokens and JWT access tokens (logout tokens
 * are not issued). A retired key stays published this long (plus skew), so an API stored through
 * the admin API may not give its JWTs a longer life (see apis/registry.ts).
 */
export function longestSignedSeconds(config: Config): number {
  return Math.max(
    config.ttl.idToken,
    config.ttl.accessToken,
    ...config.resourceServers.map((api) => api.accessTokenTTL ?? config.ttl.accessToken),
  );
}

export function rotationPolicy(config: Config): RotationPolicy {
  return {
    prePublicationMs: config.keys.prePublicationSeconds * 1000,
    retentionMs: (longestSignedSeconds(config) + CLOCK_SKEW_SECONDS) * 1000,
    cookieRetentionMs: (config.ttl.sessionMax + config.ttl.interaction) * 1000,
  };
}
