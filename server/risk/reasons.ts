// Reasons in plain words, for the person asked to confirm a sign-in and for the account
// console: "first sign-in from Brazil", "new browser (Firefox on Linux)", "travel at 4,000 km/h
// since the last sign-in 2 hours ago".
import { countryName } from '../geo/country-names.ts';
import { describeUserAgent, type DeviceType, type UserAgentInfo } from '../http/user-agent.ts';
import { hostKey } from './features.ts';
import type { Travel } from './travel.ts';
import type { SignIn } from './types.ts';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const DEVICES: Record<DeviceType, string> = {
  desktop: 'a computer',
  mobile: 'a phone',
  tablet: 'a tablet',
  tv: 'a TV',
  bot: 'an automated client',
  unknown: 'an unrecognised kind of device',
};

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** "35 minutes", "2 hours", "3 days", "5 months": the largest unit that fits, rounded. */
export function duration(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes < 90) return plural(Math.max(1, Math.round(minutes)), 'minute');
  const hours = minutes / 60;
  if (hours < 36) return plural(Math.round(hours), 'hour');
  const days = hours / 24;
  if (days < 60) return plural(Math.round(days), 'day');
  return plural(Math.round(days / 30.44), 'month');
}

/** Two significant figures, with thousands separators: 4,000; 870; 12. */
export function roughly(n: number): string {
  const digits = Math.max(0, Math.floor(Math.log10(Math.max(1, n))) - 1);
  const rounded = Math.round(n / 10 ** digits) * 10 ** digits;
  return rounded.toLocaleString('en-US');
}

function place(signIn: SignIn): string {
  const { geo } = signIn;
  if (geo.private) return 'a private network';
  return geo.countryName ?? countryName(geo.country) ?? 'an unknown country';
}

export const reasons = {
  country: (signIn: SignIn) => `first sign-in from ${place(signIn)}`,
  asn: (signIn: SignIn) => `new network provider (${signIn.geo.asOrg ?? (signIn.geo.asn ? `AS${signIn.geo.asn}` : 'unknown')})`,
  network: (signIn: SignIn) => `new network (${signIn.geo.network}${signIn.geo.asOrg ? `, ${signIn.geo.asOrg}` : ''})`,
  ip: (signIn: SignIn) => `new address (${hostKey(signIn.ip)}) in a known network`,
  deviceType: (ua: UserAgentInfo) => `first sign-in from ${DEVICES[ua.deviceType]}`,
  os: (ua: UserAgentInfo) => `new operating system (${ua.os})`,
  browser: (ua: UserAgentInfo) => `new browser (${describeUserAgent(ua)})`,
  browserVersion: (ua: UserAgentInfo, older: boolean) =>
    older ? `older version of ${ua.browser} (${ua.browserMajor ?? 'unknown'}) than this account uses` : `new version of ${ua.browser} (${ua.browserMajor ?? 'unknown'})`,
  device: () => 'a device not seen before on this account',
  hour: (hour: number) => `unusual time of day (${String(hour).padStart(2, '0')}:00 UTC)`,
  weekday: (weekday: number) => `unusual day of the week (${WEEKDAYS[weekday]})`,
  gap: (ms: number) => (ms >= 30 * 86_400_000 ? `first sign-in in ${duration(ms)}` : `unusual time since the last sign-in (${duration(ms)})`),
  travel: (trip: Travel, lastCity: string | undefined) => {
    const ago = duration((trip.hours ?? 0) * 3_600_000);
    const km = `${roughly(trip.km ?? 0)} km`;
    return trip.travel === 'impossible'
      ? `travel at ${roughly(trip.kmh ?? 0)} km/h since the last sign-in ${ago} ago (${km}${lastCity ? ` from ${lastCity}` : ''})`
      : `${km} from the last sign-in${lastCity ? ` (${lastCity})` : ''}, ${ago} ago`;
  },
  disownedNetwork: () => 'from a network you reported as not you',
  disownedDevice: () => 'from a device you reported as not you',
};
