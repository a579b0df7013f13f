// Sign-ins in the schema of the public RBA dataset (Wiefling et al., das-group/rba-dataset):
// one row per login attempt with its IP, country, region, city, ASN, user agent, OS, browser,
// device type, round-trip time, whether the login succeeded, and the attack flags. What the
// dataset lacks and the model uses rides beside the row: coordinates (the dataset has city names
// only), the device cookie, and which kind of attacker made an attempt.
import { networkOf, parseAddress } from '../../server/geo/address.ts';
import { countryName } from '../../server/geo/country-names.ts';
import { parseUserAgent, type UserAgentInfo } from '../../server/http/user-agent.ts';
import type { SignIn } from '../../server/risk/types.ts';

/** The dataset's columns, in its order, with the header text it uses. */
export const RBA_COLUMNS = {
  index: 'index',
  loginTimestamp: 'Login Timestamp',
  userId: 'User ID',
  roundTripTimeMs: 'Round-Trip Time [ms]',
  ipAddress: 'IP Address',
  country: 'Country',
  region: 'Region',
  city: 'City',
  asn: 'ASN',
  userAgentString: 'User Agent String',
  browserNameAndVersion: 'Browser Name and Version',
  osNameAndVersion: 'OS Name and Version',
  deviceType: 'Device Type',
  loginSuccessful: 'Login Successful',
  isAttackIp: 'Is Attack IP',
  isAccountTakeover: 'Is Account Takeover',
} as const;

export interface RbaRow {
  index: number;
  /** "2026-01-05 08:15:02.123", UTC, as in the dataset. */
  loginTimestamp: string;
  userId: string;
  roundTripTimeMs: number | null;
  ipAddress: string;
  country: string;
  region: string;
  city: string;
  asn: number;
  userAgentString: string;
  browserNameAndVersion: string;
  osNameAndVersion: string;
  /** mobile, desktop, tablet, bot or unknown, as in the dataset. */
  deviceType: string;
  loginSuccessful: boolean;
  isAttackIp: boolean;
  isAccountTakeover: boolean;
}

export type AttackKind = 'naive' | 'vpn' | 'targeted';

export interface SyntheticSignIn {
  row: RbaRow;
  at: number;
  latitude: number;
  longitude: number;
  asOrg: string;
  /** The device cookie the browser presented. */
  deviceId?: string;
  /** The device cookie the browser holds after a successful sign-in. */
  issuedDeviceId?: string;
  attack?: AttackKind;
  /** Genuine: what the person was doing (for breakdowns of false positives). */
  context?: string;
}

export const timestamp = (at: number) => new Date(at).toISOString().replace('T', ' ').replace('Z', '');

const parsed = new Map<string, UserAgentInfo>();

/** The UA as production parses it (cached: the synthetic world has few distinct strings). */
function userAgentOf(header: string): UserAgentInfo {
  let info = parsed.get(header);
  if (!info) parsed.set(header, (info = parseUserAgent(header)));
  return info;
}

/** The model's input, as the server would build it from the request and the geo lookup. */
export function toSignIn(event: SyntheticSignIn): SignIn {
  const { row } = event;
  const address = parseAddress(row.ipAddress);
  if (!address) throw new Error(`synthetic address does not parse: ${row.ipAddress}`);
  const name = countryName(row.country);
  return {
    at: event.at,
    ip: row.ipAddress,
    geo: {
      country: row.country,
      ...(name ? { countryName: name } : {}),
      region: row.region,
      city: row.city,
      latitude: event.latitude,
      longitude: event.longitude,
      asn: row.asn,
      asOrg: event.asOrg,
      network: networkOf(address),
    },
    userAgent: userAgentOf(row.userAgentString),
    ...(event.deviceId ? { deviceId: event.deviceId } : {}),
  };
}

const csvCell = (value: unknown) => {
  const text = value === null ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** CSV with the dataset's header, for looking at the data with other tools. */
export function toCsv(events: SyntheticSignIn[]): string {
  const keys = Object.keys(RBA_COLUMNS) as (keyof RbaRow)[];
  const lines = [keys.map((k) => RBA_COLUMNS[k]).join(',')];
  for (const { row } of events) lines.push(keys.map((k) => csvCell(row[k])).join(','));
  return `${lines.join('\n')}\n`;
}
