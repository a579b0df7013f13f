// Brute-force protection, built once per app from the store (whose limiters every instance
// shares) and the cookie secrets (whose pseudonyms every instance derives alike).
import type { Store } from '../store/types.ts';
import { createAdminThrottle } from './admin-throttle.ts';
import { clientAuthThrottle } from './client-auth-throttle.ts';
import { deviceCookies } from './device-cookie.ts';
import { createPseudonyms } from './pseudonyms.ts';
import { createSignInThrottle } from './sign-in-throttle.ts';

export function createSecurity(store: Store, options: { cookieSecrets: string[] }) {
  const pseudonym = createPseudonyms(options.cookieSecrets);
  return {
    pseudonym,
    devices: deviceCookies(pseudonym),
    signInThrottle: createSignInThrottle(store, pseudonym),
    adminThrottle: createAdminThrottle(store, pseudonym),
    clientAuthThrottle: clientAuthThrottle(store, pseudonym),
  };
}

export type Security = ReturnType<typeof createSecurity>;
