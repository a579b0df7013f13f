// Brute-force protection, built once per app from the store (whose limiters every instance
// shares) and the cookie secrets (whose pseudonyms every instance derives alike).
import type Provider from 'oidc-provider';
import type { Store } from '../store/types.ts';
import { createAdminThrottle } from './admin-throttle.ts';
import { clientAuthThrottle } from './client-auth-throttle.ts';
import { devicePolling } from './device-polling.ts';
import { deviceCookies } from './device-cookie.ts';
import { createPseudonyms } from './pseudonyms.ts';
import { registrationThrottle } from './registration-throttle.ts';
import { createSignInThrottle } from './sign-in-throttle.ts';
import { userCodeThrottle } from './user-code-throttle.ts';

export interface SecurityOptions {
  cookieSecrets: string[];
  devicePollInterval: number;
  deviceCodeTtl: number;
  provider: () => Provider;
}

export function createSecurity(store: Store, options: SecurityOptions) {
  const pseudonym = createPseudonyms(options.cookieSecrets);
  const polling = devicePolling(store, pseudonym, { intervalSeconds: options.devicePollInterval, deviceCodeTtl: options.deviceCodeTtl, provider: options.provider });
  return {
    pseudonym,
    devices: deviceCookies(pseudonym),
    signInThrottle: createSignInThrottle(store, pseudonym),
    adminThrottle: createAdminThrottle(store, pseudonym),
    clientAuthThrottle: clientAuthThrottle(store, pseudonym),
    userCodeThrottle: userCodeThrottle(store, pseudonym),
    /** On /reg: bad tokens and registrations per address. */
    registrationThrottle: registrationThrottle(store, pseudonym),
    /** On /device/auth: advertises the polling interval. */
    pollingInterval: polling.interval,
    /** On /token: slow_down for devices polling too fast. */
    devicePolling: polling.polling,
  };
}

export type Security = ReturnType<typeof createSecurity>;
