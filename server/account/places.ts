// Where an address is, in words a person reads ("Lisbon, Portugal"), from the offline GeoIP
// databases (server/geo/): no network call. Opened once per process; until then, and for
// addresses it cannot place, nothing is said.
import type { GeoInfo, GeoLookup } from '../geo/lookup.ts';

export interface Place {
  city?: string;
  region?: string;
  country?: string;
  countryName?: string;
  latitude?: number;
  longitude?: number;
}

export function placeOf(geo: GeoLookup | undefined, ip: string | undefined): Place | undefined {
  const info: GeoInfo | undefined = ip && geo ? geo.lookup(ip) : undefined;
  if (!info) return undefined;
  if (info.private) return { countryName: 'a private network' };
  if (info.country === 'ZZ') return undefined;
  return { city: info.city, region: info.region, country: info.country, countryName: info.countryName, latitude: info.latitude, longitude: info.longitude };
}

export function describePlace(place: Place | undefined): string | undefined {
  if (!place) return undefined;
  return [place.city, place.countryName].filter(Boolean).join(', ') || undefined;
}
