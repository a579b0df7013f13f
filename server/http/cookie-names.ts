// Cookie names. Served over https, every cookie carries a prefix browsers enforce: `__Host-` (Secure,
// Path=/, no Domain: no other host or path can set or shadow it) where the path allows, `__Secure-`
// for oidc-provider's interaction cookies, which are scoped to the interaction's own path. Over
// plain http (development, tests) the prefixes would make browsers drop the cookies.

export function cookieNames(https: boolean) {
  return https
    ? { session: '__Host-session', interaction: '__Secure-interaction', resume: '__Secure-interaction-resume', csrf: '__Host-lk.csrf' }
    : { session: '_session', interaction: '_interaction', resume: '_interaction_resume', csrf: 'lk.csrf' };
}
