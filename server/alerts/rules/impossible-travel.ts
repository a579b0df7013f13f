// Two sign-ins of one account from places too far apart for anyone to have travelled between in
// the time between them. Geolocation of an address is a guess good to a few hundred km, so short
// distances are ignored, and so are sign-ins without coordinates.
import { distanceKm, placeName } from '../geo.ts';
import { defineRule } from '../rule.ts';
import { duration, round } from '../words.ts';
import { accountEntry, putAccount } from './accounts.ts';

const HOUR = 3_600_000;

export const impossibleTravel = defineRule({
  rule: 'impossible_travel',
  severity: 'high',
  description:
    'Two successful sign-ins of one account whose great-circle distance divided by the time between them exceeds an airliner’s speed.',
  thresholdsInWords: ({ impossibleTravel: t }) =>
    `faster than ${t.maxSpeedKmh} km/h over at least ${t.minDistanceKm} km; again after ${duration(t.cooldownMs)}`,
  cooldownMs: (t) => t.impossibleTravel.cooldownMs,
  on: ['signin.succeeded'],
  evaluate(event, { memory, thresholds }) {
    const place = event.place;
    if (place?.latitude === undefined || place.longitude === undefined) return [];
    const { maxSpeedKmh, minDistanceKm } = thresholds.impossibleTravel;
    const entry = accountEntry(memory, event.account, event.at, thresholds.limits);
    const before = entry.located;
    // Events may arrive out of order: the latest location stays the latest.
    if (!before || event.at >= before.at) {
      const here = { at: event.at, latitude: place.latitude, longitude: place.longitude, country: place.country };
      putAccount(memory, event.account, { ...entry, located: place.city ? { ...here, city: place.city } : here }, event.at);
    }
    if (!before) return [];
    const km = distanceKm(before, { latitude: place.latitude, longitude: place.longitude });
    if (km < minDistanceKm) return [];
    const hours = Math.abs(event.at - before.at) / HOUR;
    const speed = hours === 0 ? Infinity : km / hours;
    if (speed <= maxSpeedKmh) return [];
    const [first, second] = event.at >= before.at ? [placeName(before), placeName(place)] : [placeName(place), placeName(before)];
    const apart = hours < 1 ? `${Math.round(hours * 60)} minutes` : `${round(hours, 1)} hours`;
    return [
      {
        subject: event.account,
        account: event.account,
        ip: event.ip,
        summary: `Account ${event.account} signed in from ${first} and then from ${second}, ${Math.round(km)} km and ${apart} apart: ${Number.isFinite(speed) ? `${Math.round(speed)} km/h` : 'at the same moment'}, above ${maxSpeedKmh} km/h.`,
        personMessage: `Your account was signed in to from ${first} and from ${second} only ${apart} apart, too far for one person to travel. If both were you (a VPN can do this), there is nothing to do. If not, change your password now.`,
        evidence: {
          from: first,
          to: second,
          distanceKm: Math.round(km),
          minutesApart: Math.round(hours * 60),
          speedKmh: Number.isFinite(speed) ? Math.round(speed) : null,
          previousAt: before.at,
        },
      },
    ];
  },
});
