// Distances on the globe and names of places, for the travel rules.
import type { Place } from '../audit/fields.ts';

const EARTH_RADIUS_KM = 6371.0088; // the mean radius

export interface Point {
  latitude: number;
  longitude: number;
}

/** Great-circle distance in km (haversine: accurate to well under 1% at every distance). */
export function distanceKm(a: Point, b: Point): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

const regions = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

export function countryName(code: string): string {
  try {
    return regions.of(code) ?? code;
  } catch {
    return code;
  }
}

/** "Berlin, Germany", or "Germany" when the city is unknown. */
export function placeName(place: Pick<Place, 'country' | 'city'>): string {
  const country = countryName(place.country);
  return place.city ? `${place.city}, ${country}` : country;
}
