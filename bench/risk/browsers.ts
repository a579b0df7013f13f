// Browsers and devices of the synthetic world: real User-Agent formats (the model parses them
// with the same parser as production), release trains (Chrome, Edge and Firefox ship a major
// every four weeks, Safari once a year) and how common each combination is.
import type { Random } from './random.ts';

export type DeviceKind = 'desktop' | 'laptop' | 'phone' | 'tablet';
export type Os = 'Windows' | 'macOS' | 'Linux' | 'iOS' | 'Android';
export type BrowserName = 'Chrome' | 'Edge' | 'Firefox' | 'Safari' | 'Samsung Internet';

export interface Software {
  os: Os;
  browser: BrowserName;
}

/** Major version released by `day` (days since the simulation's start). */
export function currentMajor(browser: BrowserName, day: number): number {
  switch (browser) {
    case 'Chrome':
    case 'Edge':
      return 124 + Math.floor(day / 28);
    case 'Firefox':
      return 125 + Math.floor((day + 10) / 28);
    case 'Safari':
      return 17 + Math.floor((day + 250) / 365);
    case 'Samsung Internet':
      return 24 + Math.floor(day / 70);
  }
}

export function userAgentString(kind: DeviceKind, { os, browser }: Software, major: number): string {
  const chrome = (v: number) => `AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0`;
  const platform: Record<Os, string> = {
    Windows: 'Windows NT 10.0; Win64; x64',
    macOS: 'Macintosh; Intel Mac OS X 10_15_7',
    Linux: 'X11; Linux x86_64',
    Android: kind === 'tablet' ? 'Linux; Android 14; SM-X710' : 'Linux; Android 10; K',
    iOS: kind === 'tablet' ? 'iPad; CPU OS 17_5 like Mac OS X' : 'iPhone; CPU iPhone OS 17_5 like Mac OS X',
  };
  const mobile = kind === 'phone' ? ' Mobile' : '';
  switch (browser) {
    case 'Chrome':
      if (os === 'iOS') return `Mozilla/5.0 (${platform.iOS}) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/${major}.0.0.0 Mobile/15E148 Safari/604.1`;
      return `Mozilla/5.0 (${platform[os]}) ${chrome(major)}${mobile} Safari/537.36`;
    case 'Edge':
      return `Mozilla/5.0 (${platform[os]}) ${chrome(major)}${mobile} Safari/537.36 Edg/${major}.0.0.0`;
    case 'Firefox':
      if (os === 'Android') return `Mozilla/5.0 (Android 14; ${kind === 'tablet' ? 'Tablet' : 'Mobile'}; rv:${major}.0) Gecko/${major}.0 Firefox/${major}.0`;
      if (os === 'iOS') return `Mozilla/5.0 (${platform.iOS}) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/${major}.0 Mobile/15E148 Safari/605.1.15`;
      return `Mozilla/5.0 (${platform[os]}; rv:${major}.0) Gecko/20100101 Firefox/${major}.0`;
    case 'Safari': {
      if (os === 'macOS') return `Mozilla/5.0 (${platform.macOS}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${major}.4 Safari/605.1.15`;
      const device = kind === 'tablet' ? `iPad; CPU OS ${major}_4 like Mac OS X` : `iPhone; CPU iPhone OS ${major}_4 like Mac OS X`;
      return `Mozilla/5.0 (${device}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${major}.4 Mobile/15E148 Safari/604.1`;
    }
    case 'Samsung Internet':
      return `Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/${major}.0 Chrome/${117 + major - 24}.0.0.0 Mobile Safari/537.36`;
  }
}

const DESKTOP_OS: [Os, number][] = [['Windows', 0.7], ['macOS', 0.24], ['Linux', 0.06]];
const MOBILE_OS: [Os, number][] = [['Android', 0.55], ['iOS', 0.45]];

function browserFor(os: Os, random: Random): BrowserName {
  const table: Record<Os, [BrowserName, number][]> = {
    Windows: [['Chrome', 0.66], ['Edge', 0.2], ['Firefox', 0.14]],
    macOS: [['Safari', 0.5], ['Chrome', 0.4], ['Firefox', 0.1]],
    Linux: [['Firefox', 0.55], ['Chrome', 0.45]],
    Android: [['Chrome', 0.75], ['Samsung Internet', 0.2], ['Firefox', 0.05]],
    iOS: [['Safari', 0.88], ['Chrome', 0.12]],
  };
  return random.weighted(table[os], ([, w]) => w)[0];
}

/** The software of a new device of this kind, as common as it is in the world. */
export function softwareFor(kind: DeviceKind, random: Random): Software {
  const os = random.weighted(kind === 'desktop' || kind === 'laptop' ? DESKTOP_OS : MOBILE_OS, ([, w]) => w)[0];
  return { os, browser: browserFor(os, random) };
}

/** The most common OS for a device type and browser: what an attacker who knows only those guesses. */
export function likeliestOs(kind: DeviceKind, browser: BrowserName): Os {
  if (kind === 'desktop' || kind === 'laptop') return browser === 'Safari' ? 'macOS' : 'Windows';
  return browser === 'Safari' ? 'iOS' : 'Android';
}

/** Scripts credential-stuffing tools send. */
export const SCRIPT_AGENTS = ['python-requests/2.31.0', 'curl/8.5.0', 'Go-http-client/1.1', 'okhttp/4.12.0', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36'];
