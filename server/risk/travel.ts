// Travel between two sign-ins: great-circle distance over elapsed time, and whether a person
// could have made the trip. "Impossible travel" is the classic sign of a second party.
import type { RiskOptions } from './options.ts';
import type { LastPlace, SignIn, TravelClass } from './types.ts';

const EARTH_RADIUS_KM = 6371.0088;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Haversine distance in km. */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = rad(lat2 - lat1);
  const dLon = rad(lon2 - lon1);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

export interface Travel {
  travel: TravelClass;
  km?: number;
  hours?: number;
  kmh?: number;
}

/** The trip from the last recorded sign-in to this one. */
export function travelSince(last: LastPlace | undefined, signIn: SignIn, options: RiskOptions['travel']): Travel {
  const { latitude, longitude } = signIn.geo;
  if (!last || last.lat === undefined || last.lon === undefined || latitude === undefined || longitude === undefined) return { travel: 'none' };
  const km = distanceKm(last.lat, last.lon, latitude, longitude);
  if (km < options.minKm) return { travel: 'none' };
  // A minute at least: two sign-ins in the same instant are not infinitely fast.
  const hours = Math.max(signIn.at - last.t, 60_000) / 3_600_000;
  const kmh = km / hours;
  const travel = kmh > options.plausibleKmh && km >= options.impossibleMinKm ? 'impossible' : 'plausible';
  return { travel, km, hours, kmh };
}
