// A sign-in's feature values, as the history and the prior key them. Missing parts (no ASN for
// the address, no version in the UA) get a placeholder so every path has every level.
import { parseAddress, prefix6 } from '../geo/address.ts';
import type { SignIn } from './types.ts';

export const MISSING = '-';

// Keys never look like array indices ("AS3320", "v125", not "3320", "125"): V8 keeps integer
// keys apart from the others, and objects mixing them copy and iterate several times slower.

/**
 * The last level of the location path: the IPv4 address, or the IPv6 /64. An IPv6 host picks a
 * new interface id every day or so (privacy extensions, RFC 8981); its /64 is what stays.
 */
export function hostKey(ip: string): string {
  const address = parseAddress(ip);
  if (!address) return ip;
  if (address.version === 4) return address.text;
  return prefix6(address, 64);
}

/** country → ASN → network → IP (IPv6: /64). */
export function locationPath(signIn: SignIn): [string, string, string, string] {
  const { geo } = signIn;
  const asn = geo.private ? 'private' : geo.asn !== undefined ? `AS${geo.asn}` : MISSING;
  return [geo.country || 'ZZ', asn, geo.network, hostKey(signIn.ip)];
}

/** device type → OS → browser → major version. */
export function userAgentPath(signIn: SignIn): [string, string, string, string] {
  const ua = signIn.userAgent;
  return [ua.deviceType, ua.os, ua.browser, ua.browserMajor !== undefined ? `v${ua.browserMajor}` : MISSING];
}

export const hourOf = (at: number) => new Date(at).getUTCHours();
export const weekdayOf = (at: number) => new Date(at).getUTCDay();
export const dayOf = (at: number) => Math.floor(at / 86_400_000);

/**
 * Time since the previous sign-in, in log₂ bins of hours: bin 0 is under 15 minutes, then
 * 15–30 min, 30–60 min, 1–2 h, … up to the last bin, 85 days and more.
 */
export const GAP_BINS = 15;
export function gapBin(ms: number): number {
  const hours = ms / 3_600_000;
  if (hours < 0.25) return 0;
  return Math.min(GAP_BINS - 1, Math.floor(Math.log2(hours / 0.25)) + 1);
}

/** The key feedback finds a recorded sign-in by. */
export const signInKey = (signIn: SignIn) => signIn.at.toString(36);
