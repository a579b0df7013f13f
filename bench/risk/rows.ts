// One sign-in attempt as a dataset row: the address in its network, the place the network
// geolocates to, the User-Agent its device sends, a round-trip time.
import { userAgentString, type DeviceKind, type Software } from './browsers.ts';
import type { Random } from './random.ts';
import { timestamp, type AttackKind, type SyntheticSignIn } from './schema.ts';
import { addressIn, type Country, type Network } from './world.ts';

/** Monday 5 January 2026, 00:00 UTC: day 0 of the simulation. */
export const START = Date.UTC(2026, 0, 5);

export interface Placed {
  network: Network;
  /** A fixed host in the network (home, office); otherwise a random one. */
  host?: number;
  country: Country;
}

export interface RowInput {
  person: { id: string };
  device: { kind: DeviceKind; software: Software } | { script: string };
  placed: Placed;
  major: number;
  random: Random;
  at: number;
  success: boolean;
  presented?: string;
  issued?: string;
  attack?: AttackKind;
  context?: string;
}

const DATASET_DEVICE: Record<DeviceKind, string> = { desktop: 'desktop', laptop: 'desktop', phone: 'mobile', tablet: 'tablet' };
// Where the service runs, for round-trip times.
const SERVER = { lat: 50.11, lon: 8.68 };

/** Networks in one city do not all sit on its centre: a fixed offset of up to ~15 km each. */
function coordinates(network: Network): { latitude: number; longitude: number } {
  const jitter = (k: number) => ((((network.system.block * 7919 + network.index * 104_729 + k) % 1000) / 1000) - 0.5) * 0.25;
  return { latitude: Math.round((network.city.lat + jitter(1)) * 1e4) / 1e4, longitude: Math.round((network.city.lon + jitter(2)) * 1e4) / 1e4 };
}

function roundTrip(network: Network, random: Random): number {
  const km = Math.hypot(network.city.lat - SERVER.lat, (network.city.lon - SERVER.lon) * Math.cos((SERVER.lat * Math.PI) / 180)) * 111;
  const access = network.system.kind === 'mobile' ? 45 : network.system.kind === 'hosting' ? 3 : 12;
  return Math.round(access + km / 100 + random.exponential(8));
}

export function rowFor(input: RowInput): SyntheticSignIn {
  const { placed, device, random } = input;
  const { network } = placed;
  const script = 'script' in device;
  const ua = script ? device.script : userAgentString(device.kind, device.software, input.major);
  return {
    row: {
      index: 0,
      loginTimestamp: timestamp(input.at),
      userId: input.person.id,
      // The dataset has no RTT for many rows (it needs a JavaScript probe): scripts never run one.
      roundTripTimeMs: script ? null : roundTrip(network, random),
      ipAddress: addressIn(network, placed.country, random, placed.host),
      country: placed.country.code,
      region: network.city.region,
      city: network.city.name,
      asn: network.system.asn,
      userAgentString: ua,
      browserNameAndVersion: script ? ua.split('/')[0]! : `${device.software.browser} ${input.major}.0`,
      osNameAndVersion: script ? '-' : device.software.os,
      deviceType: script ? 'bot' : DATASET_DEVICE[device.kind],
      loginSuccessful: input.success,
      isAttackIp: input.attack !== undefined,
      isAccountTakeover: input.attack !== undefined && input.success,
    },
    at: input.at,
    ...coordinates(network),
    asOrg: network.system.org,
    ...(input.presented ? { deviceId: input.presented } : {}),
    ...(input.issued ? { issuedDeviceId: input.issued } : {}),
    ...(input.attack ? { attack: input.attack } : {}),
    ...(input.context ? { context: input.context } : {}),
  };
}
