// The read-mostly endpoints: token introspection (a resource server checking an opaque token),
// userinfo (a relying party reading claims with a user's access token), discovery and JWKS.
import type { Request as CannonRequest } from 'autocannon';
import { basicAuth } from '../fixtures.ts';
import { measure, type Part } from '../load.ts';
import { FORM, ratioOf, type Pools, type Scenario, type Settings } from '../scenario.ts';
import { FORWARDED, type Target } from '../servers.ts';

/** Introspects opaque client-credentials tokens, round robin over a prepared pool. */
export async function introspectionPart(target: Target, pools: Pools, settings: Settings, connections: number): Promise<Part> {
  const tokens = await pools.opaqueTokens(settings.smoke ? 20 : 1000);
  let next = 0;
  const authorization = basicAuth(target.fixtures.introspector);
  const request: CannonRequest = {
    method: 'POST',
    path: '/token/introspection',
    setupRequest: (req) => ({
      ...req,
      headers: { ...req.headers, ...FORWARDED, ...FORM, accept: 'application/json', authorization },
      body: new URLSearchParams({ token: tokens[next++ % tokens.length]!, token_type_hint: 'access_token' }).toString(),
    }),
    onResponse: (status, body) => {
      // An inactive answer is a 200 too; the benchmark must not measure a cheap "no".
      if (status === 200 && !body.includes('"active":true')) inactive++;
    },
  };
  let inactive = 0;
  return {
    label: 'introspection',
    connections,
    requests: [request],
    before: () => {
      inactive = 0;
    },
    summary: () => ({ inactive }),
    ok: (status) => status === 200,
  };
}

/** GET /me with user access tokens from real sign-ins, round robin over a prepared pool. */
export async function userinfoPart(target: Target, pools: Pools, settings: Settings, connections: number): Promise<Part> {
  await pools.ensureAccessTokens(settings.smoke ? 8 : Math.max(64, connections * 4));
  const tokens = pools.accessTokens;
  let next = 0;
  return {
    label: 'userinfo',
    connections,
    requests: [
      {
        method: 'GET',
        path: '/me',
        setupRequest: (req) => ({ ...req, headers: { ...req.headers, ...FORWARDED, accept: 'application/json', authorization: `Bearer ${tokens[next++ % tokens.length]}` } }),
      },
    ],
  };
}

function simple(name: string, title: string, part: (target: Target, pools: Pools, settings: Settings) => Promise<Part>): Scenario {
  return {
    name,
    title,
    async run({ targets, settings, progress, pools }) {
      const rows = await measure(name, targets, async (target) => [await part(target, pools(target), settings)], settings, progress);
      const notes = rows.filter((r) => r.extra.inactive).map((r) => `${r.target}: ${r.extra.inactive} introspections answered active:false`);
      return { unit: 'req/s', rows, ratio: ratioOf(rows), notes };
    },
  };
}

const get = (path: string, connections: number, label: string): Part => ({
  label,
  connections,
  requests: [{ method: 'GET', path, headers: { ...FORWARDED, accept: 'application/json' } }],
});

export const endpointScenarios: Scenario[] = [
  simple('introspection', 'token introspection (opaque access token, confidential resource server)', (target, pools, settings) =>
    introspectionPart(target, pools, settings, settings.connections),
  ),
  simple('userinfo', 'userinfo (user access token, openid email profile)', (target, pools, settings) => userinfoPart(target, pools, settings, settings.connections)),
  simple('discovery', 'discovery document', async (_target, _pools, settings) => get('/.well-known/openid-configuration', settings.connections, 'discovery')),
  simple('jwks', 'JWKS', async (_target, _pools, settings) => get('/jwks', settings.connections, 'jwks')),
];
