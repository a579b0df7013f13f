// What one sign-in adds to a history and to the prior, measured against the history as it was
// before it: its paths, hour, weekday, time since the previous sign-in, travel class and
// whether its device was new to the account.
import { GAP_BINS, gapBin, hourOf, locationPath, userAgentPath, weekdayOf } from './features.ts';
import type { RiskOptions } from './options.ts';
import { travelSince, type Travel } from './travel.ts';
import { TRAVEL, type RiskHistory, type SignIn } from './types.ts';

export interface Observation {
  location: [string, string, string, string];
  userAgent: [string, string, string, string];
  hour: number;
  weekday: number;
  /** Gap bin, when there was a previous sign-in. */
  gap?: number;
  gapMs?: number;
  travel: Travel;
  /** Index of travel.travel in TRAVEL. */
  travelIndex: number;
  knownDevice: boolean;
  knownNetwork: boolean;
}

export function knowsNetwork(history: RiskHistory, [country, asn, network]: readonly string[]): boolean {
  return (history.loc[country!]?.[2]?.[asn!]?.[2]?.[network!]?.[0] ?? 0) > 0;
}

export function observe(history: RiskHistory, signIn: SignIn, options: RiskOptions): Observation {
  const location = locationPath(signIn);
  const knownNetwork = knowsNetwork(history, location);
  const travel = travelSince(history.last, signIn, options.travel);
  const gapMs = history.last ? Math.max(0, signIn.at - history.last.t) : undefined;
  return {
    location,
    userAgent: userAgentPath(signIn),
    hour: hourOf(signIn.at),
    weekday: weekdayOf(signIn.at),
    ...(gapMs !== undefined ? { gap: Math.min(GAP_BINS - 1, gapBin(gapMs)), gapMs } : {}),
    travel,
    travelIndex: TRAVEL.indexOf(travel.travel),
    knownDevice: signIn.deviceId !== undefined && history.dev[signIn.deviceId] !== undefined,
    knownNetwork,
  };
}
