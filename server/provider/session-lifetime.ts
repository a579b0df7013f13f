// How long a browser session lives (oidc-provider's ttl.Session, asked on every save).
// - Signed in: SESSION_IDLE_TTL from its last use, but never past SESSION_MAX_TTL from the
//   sign-in itself: an absolute lifetime, so a session kept busy cannot live forever.
// - Not signed in (a device or logout page opened, nothing else): a few minutes. Those pages keep
//   only a form secret in the session, and anyone can open them: a long life would let anonymous
//   requests fill the store.
export const ANONYMOUS_SESSION_SECONDS = 600;

export interface SessionLifetime {
  idleSeconds: number;
  maxSeconds: number;
}

/** Seconds the session should still live, from `nowSeconds`; at least 1 (oidc-provider needs a
 * positive TTL; a session past its absolute lifetime then expires at once). */
export function sessionTtl(session: { accountId?: string; loginTs?: number }, nowSeconds: number, { idleSeconds, maxSeconds }: SessionLifetime): number {
  if (!session.accountId) return ANONYMOUS_SESSION_SECONDS;
  const signedInAt = session.loginTs ?? nowSeconds;
  const remaining = signedInAt + maxSeconds - nowSeconds;
  return Math.max(1, Math.min(idleSeconds, remaining));
}
