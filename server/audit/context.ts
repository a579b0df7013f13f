// The envelope of an audit event from the request that caused it: when, the request id, the
// caller's address, user agent and place. Never anything from the request's body or cookies.
import type { GeoLookup } from '../geo/lookup.ts';
import type { AuditEvent } from './catalogue.ts';
import type { Place } from './fields.ts';
import type { HashId } from './ids.ts';

export interface RequestLike {
  ip: string;
  get(header: string): string;
  state?: { requestId?: string };
}

export interface Envelope {
  at: number;
  requestId?: string;
  ip?: string;
  userAgent?: string;
  place?: Place;
}

export function placeFor(geo: GeoLookup | undefined, ip: string | undefined): Place | undefined {
  const info = ip && geo ? geo.lookup(ip) : undefined;
  if (!info || info.private || !/^[A-Z]{2}$/.test(info.country) || info.country === 'ZZ') return undefined;
  return {
    country: info.country,
    ...(info.city ? { city: info.city.slice(0, 128) } : {}),
    ...(info.latitude !== undefined && info.longitude !== undefined ? { latitude: info.latitude, longitude: info.longitude } : {}),
    ...(info.asn !== undefined ? { asn: info.asn } : {}),
  };
}

/** The envelope for a request; `geo` places the address when the databases are open. */
export function envelopeOf(ctx: RequestLike | undefined, geo: () => GeoLookup | undefined, now = Date.now()): Envelope {
  if (!ctx) return { at: now };
  const userAgent = ctx.get('user-agent');
  const ip = /^[\d.]+$|:/.test(ctx.ip) ? ctx.ip.replace(/^::ffff:(?=\d)/, '') : undefined;
  const place = placeFor(geo(), ip);
  return {
    at: now,
    ...(ctx.state?.requestId ? { requestId: String(ctx.state.requestId).slice(0, 128) } : {}),
    ...(ip ? { ip } : {}),
    ...(userAgent ? { userAgent: userAgent.slice(0, 512) } : {}),
    ...(place ? { place } : {}),
  };
}

/** What a module that emits audit events is given: where events go, how ids are hashed, and the
 * envelope of a request. */
export interface Auditor {
  record(event: AuditEvent): void;
  hashId: HashId;
  envelope(ctx: RequestLike | undefined): Envelope;
}
