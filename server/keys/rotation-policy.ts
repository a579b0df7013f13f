// The rotation policy follows from the configuration: how long anything signed can live.
import type { Config } from '../../config/index.ts';
import type { RotationPolicy } from './rotation.ts';

/** Allowance for relying parties whose clocks run behind ours. */
export const CLOCK_SKEW_SECONDS = 300;

export function rotationPolicy(config: Config): RotationPolicy {
  // ID tokens and JWT access tokens are what our keys sign (logout tokens are not issued).
  const longestSigned = Math.max(
    config.ttl.idToken,
    config.ttl.accessToken,
    ...config.resourceServers.map((api) => api.accessTokenTTL ?? config.ttl.accessToken),
  );
  return {
    prePublicationMs: config.keys.prePublicationSeconds * 1000,
    retentionMs: (longestSigned + CLOCK_SKEW_SECONDS) * 1000,
    cookieRetentionMs: (config.ttl.sessionMax + config.ttl.interaction) * 1000,
  };
}
