// The one route table: every path Latchkey answers, whether programs (api: JSON answers, the
// short security headers) or people (page) read it, and which stack serves it. oidc-provider's
// `routes` option, the app's dispatch by first path segment, the security headers and the links
// Latchkey builds all come from here.
//
// A stack serves every path under a first segment ('/token' serves /token/introspection too), so
// routes that share a first segment share a stack; the table refuses to load otherwise.

export type RouteKind = 'api' | 'page';

/**
 * health: answers for any Host, before the host check. static, admin, interaction: Latchkey's
 * own. provider: oidc-provider; jwks, device and token are oidc-provider with a Latchkey layer
 * in front (cache header, device-page recovery, refresh grace).
 */
export type Stack = 'health' | 'static' | 'admin' | 'metrics' | 'interaction' | 'account' | 'lifecycle' | 'provider' | 'jwks' | 'device' | 'token';

export interface Route {
  path: string;
  kind: RouteKind;
  stack: Stack;
  /** The route also owns every path below it (/admin/users, /interaction/:uid/login). */
  prefix?: boolean;
}

// oidc-provider's endpoints, by the names of its `routes` option (docs/README.md, "routes").
export const PROVIDER_ROUTES = {
  authorization: '/auth',
  code_verification: '/device',
  device_authorization: '/device/auth',
  end_session: '/session/end',
  introspection: '/token/introspection',
  jwks: '/jwks',
  pushed_authorization_request: '/request',
  registration: '/reg',
  revocation: '/token/revocation',
  token: '/token',
  userinfo: '/me',
} as const;

const P = PROVIDER_ROUTES;

export const ROUTES = {
  healthz: { path: '/healthz', kind: 'api', stack: 'health' },
  readyz: { path: '/readyz', kind: 'api', stack: 'health' },
  static: { path: '/static', kind: 'page', stack: 'static', prefix: true },
  admin: { path: '/admin', kind: 'api', stack: 'admin', prefix: true },
  metrics: { path: '/metrics', kind: 'api', stack: 'metrics' },
  interaction: { path: '/interaction', kind: 'page', stack: 'interaction', prefix: true },
  account: { path: '/account', kind: 'page', stack: 'account', prefix: true },
  accountApi: { path: '/account/api', kind: 'api', stack: 'account', prefix: true },

  // The account lifecycle by email (server/lifecycle/); the tokens of the mailed links are the
  // last path segment (logged as :token).
  forgotPassword: { path: '/forgot-password', kind: 'page', stack: 'lifecycle' },
  resetPassword: { path: '/reset-password', kind: 'page', stack: 'lifecycle', prefix: true },
  signup: { path: '/signup', kind: 'page', stack: 'lifecycle' },
  verifyEmail: { path: '/verify-email', kind: 'page', stack: 'lifecycle', prefix: true },
  emailChange: { path: '/email-change', kind: 'page', stack: 'lifecycle', prefix: true },
  devMail: { path: '/dev/mail', kind: 'page', stack: 'lifecycle' },

  authorization: { path: P.authorization, kind: 'page', stack: 'provider' },
  // /device/:uid and the confirm/success pages are oidc-provider's too.
  code_verification: { path: P.code_verification, kind: 'page', stack: 'device', prefix: true },
  device_authorization: { path: P.device_authorization, kind: 'api', stack: 'device' },
  end_session: { path: P.end_session, kind: 'page', stack: 'provider', prefix: true },
  introspection: { path: P.introspection, kind: 'api', stack: 'token' },
  jwks: { path: P.jwks, kind: 'api', stack: 'jwks' },
  pushed_authorization_request: { path: P.pushed_authorization_request, kind: 'api', stack: 'provider' },
  registration: { path: P.registration, kind: 'api', stack: 'provider', prefix: true },
  revocation: { path: P.revocation, kind: 'api', stack: 'token' },
  token: { path: P.token, kind: 'api', stack: 'token' },
  userinfo: { path: P.userinfo, kind: 'api', stack: 'provider' },
  discovery: { path: '/.well-known/openid-configuration', kind: 'api', stack: 'provider' },
  oauthMetadata: { path: '/.well-known/oauth-authorization-server', kind: 'api', stack: 'provider' },
} as const satisfies Record<string, Route>;

export type RouteName = keyof typeof ROUTES;

/** '/token' for /token/introspection: what picks the stack. */
export function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return end === -1 ? path : path.slice(0, end);
}

function stacksBySegment(): Map<string, Stack> {
  const bySegment = new Map<string, Stack>();
  for (const [name, route] of Object.entries(ROUTES) as [string, Route][]) {
    const segment = firstSegment(route.path);
    const known = bySegment.get(segment);
    if (known && known !== route.stack) throw new Error(`route table: ${name} (${route.path}) is on ${segment}, which ${known} serves`);
    bySegment.set(segment, route.stack);
  }
  return bySegment;
}

const STACKS = stacksBySegment();
const API_EXACT = new Set<string>();
const API_PREFIXES: string[] = [];
for (const route of Object.values(ROUTES) as Route[]) {
  if (route.kind !== 'api') continue;
  API_EXACT.add(route.path);
  if (route.prefix) API_PREFIXES.push(`${route.path}/`);
}

/** The stack for a request path; paths outside the table go to oidc-provider, which 404s them. */
export function stackFor(path: string): Stack {
  return STACKS.get(firstSegment(path)) ?? 'provider';
}

/** True where every answer is JSON (programs call it): the API security headers apply. */
export function isApiPath(path: string): boolean {
  return API_EXACT.has(path) || API_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/** True for the path itself and anything below it. */
export function isUnder(path: string, route: RouteName): boolean {
  const base = ROUTES[route].path;
  return path === base || path.startsWith(`${base}/`);
}

/** The links of the interaction pages (login, consent, abort) for one interaction. */
export function interactionPath(uid: string, action?: 'login' | 'second-factor' | 'email-code' | 'email-code/resend' | 'consent' | 'abort'): string {
  const base = `${ROUTES.interaction.path}/${encodeURIComponent(uid)}`;
  return action ? `${base}/${action}` : base;
}

// Longest paths first, so /token/introspection is named before /token and /account/api before /account.
const BY_LENGTH = (Object.entries(ROUTES) as [RouteName, Route][]).sort(([, a], [, b]) => b.path.length - a.path.length);

/** The route a path belongs to, by name ('other' outside the table): a bounded label for metrics. */
export function routeNameOf(path: string): RouteName | 'other' {
  for (const [name, route] of BY_LENGTH) {
    if (path === route.path || (route.prefix && path.startsWith(`${route.path}/`))) return name;
  }
  return 'other';
}
