// The refresh_token grant with rotation, as a public client (SPA) uses it. Every refresh
// consumes its token and returns the next one, so each connection takes a live token from the
// pool and puts back the one it receives. Tokens come from real authorization code flows.
import type { Request as CannonRequest } from 'autocannon';
import { measure, type Part } from '../load.ts';
import { FORM, ratioOf, type Pools, type Scenario } from '../scenario.ts';
import { FORWARDED, type BenchRedis, type Target } from '../servers.ts';

/** A part that refreshes tokens from the pool, keeping the pool topped up between runs. */
export function refreshPart(target: Target, pools: Pools, connections: number, redis?: BenchRedis, label = 'refresh'): Part {
  let refreshed = 0;
  let memoryBefore = 0;
  interface Context {
    taken?: { token: string; clientId: string };
  }
  const request: CannonRequest = {
    method: 'POST',
    path: '/token',
    setupRequest: (req, context) => {
      // A dry pool (errors ate the tokens) sends a token that fails: counted, never hidden.
      const taken = pools.refreshTokens.shift() ?? { token: 'the-pool-ran-dry', clientId: target.fixtures.apps[0]!.client_id };
      (context as Context).taken = taken;
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: taken.token, client_id: taken.clientId }).toString();
      return { ...req, headers: { ...req.headers, ...FORWARDED, ...FORM, accept: 'application/json' }, body };
    },
    onResponse: (status, body, context) => {
      const { taken } = context as Context;
      if (status !== 200 || !taken) return;
      const next = (JSON.parse(body) as { refresh_token?: string }).refresh_token;
      if (next) {
        refreshed++;
        pools.refreshTokens.push({ token: next, clientId: taken.clientId });
      }
    },
  };
  return {
    label,
    connections,
    requests: [request],
    async before() {
      // Each run can strand one token per connection (in flight when it stops).
      await pools.ensureRefreshTokens(connections * 3 + 16);
      refreshed = 0;
      if (redis && target.name === 'latchkey') memoryBefore = await redis.usedMemory();
    },
    async summary(): Promise<Record<string, number>> {
      if (!redis || target.name !== 'latchkey' || refreshed === 0) return {};
      return { redisBytesPerRefresh: Math.round(((await redis.usedMemory()) - memoryBefore) / refreshed) };
    },
  };
}

export const refreshScenario: Scenario = {
  name: 'refresh',
  title: 'refresh_token grant with rotation (public client)',
  async run({ targets, settings, progress, pools, redis }) {
    const rows = await measure('refresh', targets, async (target) => [refreshPart(target, pools(target), settings.connections, redis)], settings, progress);
    const notes: string[] = [];
    const perRefresh = rows.find((r) => r.target === 'latchkey')?.extra.redisBytesPerRefresh;
    if (perRefresh !== undefined) notes.push(`Redis grows ~${perRefresh} bytes per refresh (new refresh + access token; the consumed refresh token stays until it expires, for reuse detection)`);
    return { unit: 'req/s', rows, ratio: ratioOf(rows), notes };
  },
};
