// What a scenario is, what it gets (targets, settings, token pools) and what it returns.
import type { Request as CannonRequest } from 'autocannon';
import { basicAuth, FORM, OPAQUE_API, type BenchClient } from './fixtures.ts';
import { runFlow, type TokenSet } from './flow.ts';
import { median, type Measured, type Progress } from './load.ts';
import { FORWARDED, type BenchRedis, type Target } from './servers.ts';

export interface Settings {
  duration: number;
  warmup: number;
  rounds: number;
  connections: number;
  /** Smoke mode: a fixed, small number of requests per run instead of a duration. */
  amount?: number;
  smoke: boolean;
  bcryptCost: number;
  logLevel: string;
  /** Sessions the memory scenario creates. */
  sessions: number;
  soakMinutes: number;
}

export interface ScenarioContext {
  /** Always [baseline, latchkey] (or one of them with --target), then any --variant. */
  targets: Target[];
  settings: Settings;
  redis: BenchRedis;
  pools: (target: Target) => Pools;
  progress: Progress;
}

export interface ScenarioResult {
  name: string;
  title: string;
  /** What the req/s column counts. */
  unit: string;
  rows: Measured[];
  /** latchkey / baseline of the figure of merit, when both ran. */
  ratio?: number;
  /** latchkey / variant, per variant (--variant), when they ran. */
  variants?: Record<string, number>;
  notes: string[];
  data?: Record<string, unknown>;
  error?: string;
}

export interface Scenario {
  name: string;
  title: string;
  /** Needs servers signing with RS256 (SIGNING_ALG). */
  variant?: 'RS256';
  /** Not in the default run. */
  optIn?: boolean;
  /** Measures Latchkey alone: the baseline is not started when only such scenarios run. */
  latchkeyOnly?: boolean;
  run(context: ScenarioContext): Promise<Omit<ScenarioResult, 'name' | 'title'>>;
}

/**
 * Latchkey / baseline. Each round runs both servers back to back, so the ratio is taken per round
 * and the median of those is reported: a slow minute of the machine then slows both sides of a
 * pair instead of one side of the comparison.
 */
export function ratioOf(rows: Measured[]): number | undefined {
  const base = rows.find((r) => r.target === 'baseline');
  const lk = rows.find((r) => r.target === 'latchkey');
  if (!base || !lk || !(base.rps > 0)) return undefined;
  const paired = base.rounds.length === lk.rounds.length && base.rounds.every((v) => v > 0);
  return paired ? median(lk.rounds.map((v, i) => v / base.rounds[i]!)) : lk.rps / base.rps;
}

/**
 * Latchkey / each variant, paired per round like ratioOf: what the variant turns off costs
 * Latchkey this much (1.000: nothing; 0.950: Latchkey runs at 95% of its rate without it).
 */
export function variantRatios(rows: Measured[]): Record<string, number> {
  const lk = rows.find((r) => r.target === 'latchkey');
  const out: Record<string, number> = {};
  if (!lk) return out;
  for (const row of rows) {
    if (row.target === 'latchkey' || row.target === 'baseline' || !(row.rps > 0)) continue;
    const paired = row.rounds.length === lk.rounds.length && row.rounds.every((v) => v > 0);
    out[row.target] = paired ? median(lk.rounds.map((v, i) => v / row.rounds[i]!)) : lk.rps / row.rps;
  }
  return out;
}

export { FORM };

export function tokenRequest(client: BenchClient, params: Record<string, string>): CannonRequest {
  return {
    method: 'POST',
    path: '/token',
    headers: { ...FORWARDED, ...FORM, accept: 'application/json', authorization: basicAuth(client) },
    body: new URLSearchParams(params).toString(),
  };
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function limited<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await task(items[i]!, i);
      }
    }),
  );
  return results;
}

/**
 * Tokens prepared before a measurement, per target. User tokens come from authorization code
 * flows in one browser per user: it signs in once (one bcrypt), then every further flow only
 * consents, so preparing hundreds of refresh tokens costs seconds, not minutes.
 */
export class Pools {
  readonly #target: Target;
  readonly #progress: Progress;
  readonly #browsers = new Map<string, Map<string, string>>();
  #opaque?: string[];
  #flows = 0;
  /** Live refresh tokens (each used once, replaced by the one its refresh returns). */
  readonly refreshTokens: { token: string; clientId: string }[] = [];
  readonly accessTokens: string[] = [];

  constructor(target: Target, progress: Progress) {
    this.#target = target;
    this.#progress = progress;
  }

  /** Opaque client-credentials access tokens for the opaque API (introspection). */
  async opaqueTokens(count: number): Promise<string[]> {
    if (this.#opaque && this.#opaque.length >= count) return this.#opaque;
    const { service } = this.#target.fixtures;
    this.#opaque = await limited(Array.from({ length: count }), 16, async () => {
      const response = await fetch(`${this.#target.url}/token`, {
        method: 'POST',
        headers: { ...FORWARDED, ...FORM, authorization: basicAuth(service) },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: OPAQUE_API, scope: 'read' }),
      });
      const body = (await response.json()) as { access_token?: string };
      if (!body.access_token) throw new Error(`${this.#target.name}: client_credentials answered ${response.status} ${JSON.stringify(body)}`);
      return body.access_token;
    });
    return this.#opaque;
  }

  /** Runs `count` more user flows and adds their tokens to the pools. */
  async addUserTokens(count: number): Promise<(TokenSet & { clientId: string })[]> {
    const { fixtures } = this.#target;
    this.#progress(`${this.#target.name}: preparing ${count} user token sets`, true);
    const perUser = fixtures.users.map((user, u) => ({ user, count: Math.floor(count / fixtures.users.length) + (u < count % fixtures.users.length ? 1 : 0) }));
    const sets = await Promise.all(
      perUser.map(async ({ user, count: n }) => {
        let jar = this.#browsers.get(user.email);
        if (!jar) this.#browsers.set(user.email, (jar = new Map()));
        const out: (TokenSet & { clientId: string })[] = [];
        // One browser is one person: its flows run one after the other.
        for (let i = 0; i < n; i++) {
          const client = fixtures.apps[this.#flows++ % fixtures.apps.length]!;
          const flow = await runFlow({ target: this.#target, client, user, jar });
          if (!flow.tokens) throw new Error(`${this.#target.name}: authorization flow failed: ${flow.error}`);
          out.push({ ...flow.tokens, clientId: client.client_id });
        }
        return out;
      }),
    );
    const all = sets.flat();
    for (const set of all) {
      if (set.refresh_token) this.refreshTokens.push({ token: set.refresh_token, clientId: set.clientId });
      this.accessTokens.push(set.access_token);
    }
    return all;
  }

  async ensureRefreshTokens(count: number): Promise<void> {
    if (this.refreshTokens.length < count) await this.addUserTokens(count - this.refreshTokens.length);
  }

  async ensureAccessTokens(count: number): Promise<void> {
    if (this.accessTokens.length < count) await this.addUserTokens(count - this.accessTokens.length);
  }
}
