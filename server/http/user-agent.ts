// What a User-Agent header says about the client: browser, its major version, operating system
// and device type, and a short description for people ("Firefox on Windows"). Used by the risk
// model (server/risk/) and by the account console's list of sign-ins, so it lives with the other
// request helpers rather than inside either. Parsing is bowser's (MIT; ua-parser-js 2.x is AGPL).
// It reads the header as the client sent it: a UA can say anything, so nothing here is proof.
import Bowser from 'bowser';

export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'tv' | 'bot' | 'unknown';

export interface UserAgentInfo {
  /** bowser's browser name ("Chrome", "Firefox", "Safari", "Microsoft Edge", …), or "Unknown". */
  browser: string;
  browserMajor?: number;
  /** "Windows", "macOS", "iOS", "Android", "Linux", "Chrome OS", …, or "Unknown". */
  os: string;
  deviceType: DeviceType;
}

// Clients bowser does not call bots but that are not a person's browser either: HTTP libraries,
// command-line tools, headless and automation builds, crawlers.
const SCRIPTED = /bot\b|crawl|spider|slurp|headless|phantomjs|selenium|puppeteer|playwright|^curl\/|^wget\/|python-|aiohttp|^go-http|^java\/|okhttp|libwww|httpclient|^axios\/|^node-fetch|^undici/i;

const UNKNOWN = 'Unknown';
const DEVICE_TYPES = new Set<string>(['desktop', 'mobile', 'tablet', 'tv', 'bot']);

function major(version: string | undefined): number | undefined {
  const n = Number.parseInt(version ?? '', 10);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export function parseUserAgent(header: string | undefined): UserAgentInfo {
  const ua = (header ?? '').trim().slice(0, 1024);
  if (!ua) return { browser: UNKNOWN, os: UNKNOWN, deviceType: 'unknown' };
  const parsed = Bowser.parse(ua);
  const browser = parsed.browser.name || UNKNOWN;
  const os = parsed.os.name || UNKNOWN;
  const platform = parsed.platform.type ?? '';
  let deviceType: DeviceType = DEVICE_TYPES.has(platform) ? (platform as DeviceType) : 'unknown';
  if (SCRIPTED.test(ua)) deviceType = 'bot';
  const info: UserAgentInfo = { browser, os, deviceType };
  const version = major(parsed.browser.version);
  if (version !== undefined && browser !== UNKNOWN) info.browserMajor = version;
  return info;
}

/** "Firefox on Windows", "Safari on iOS", "Googlebot (automated client)", "an unknown browser" (lower case when it is not a name, to fit in a sentence). */
export function describeUserAgent(info: UserAgentInfo): string {
  if (info.deviceType === 'bot') return `${info.browser === UNKNOWN ? 'a script' : info.browser} (automated client)`;
  if (info.browser === UNKNOWN) return info.os === UNKNOWN ? 'an unknown browser' : `a browser on ${info.os}`;
  return info.os === UNKNOWN ? info.browser : `${info.browser} on ${info.os}`;
}
