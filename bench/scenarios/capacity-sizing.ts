// From the measured costs per request to a deployment (docs/capacity.md explains the model):
// Latchkey cores = rate × CPU per request / utilisation; Redis shards = rate × Redis CPU per
// request / utilisation (Redis runs commands on one thread, so a shard is one core); Redis memory
// at steady state = rate × bytes kept per request × how long the longest record it makes lives.
// For the target rates of issue 15: up to 10k logins/s and 100k token requests/s.
import type { RequestCost } from './capacity.ts';

/** Planned CPU utilisation of a Latchkey core and of a Redis shard (headroom for bursts, GC, failover). */
export const UTILISATION = 0.7;
/** Cores per Latchkey instance assumed for logins: bcrypt runs on cores − 1 pool threads. */
export const LOGIN_INSTANCE_CORES = 4;

/** The longest-lived record each type leaves (defaults of config/schema.ts), for memory. */
const LIFETIME_S: Record<string, number> = {
  'cc-opaque': 3600,
  'cc-jwt': 3600,
  introspection: 0,
  userinfo: 0,
  refresh: 14 * 24 * 3600,
  login: 14 * 24 * 3600,
};

const TARGETS: { type: string; rates: number[] }[] = [
  { type: 'cc-opaque', rates: [1_000, 10_000, 100_000] },
  { type: 'cc-jwt', rates: [1_000, 10_000, 100_000] },
  { type: 'introspection', rates: [1_000, 10_000, 100_000] },
  { type: 'userinfo', rates: [1_000, 10_000, 100_000] },
  { type: 'refresh', rates: [1_000, 10_000, 100_000] },
  { type: 'login', rates: [100, 1_000, 10_000] },
];

export interface Plan {
  type: string;
  rate: number;
  latchkeyCores: number;
  /** Instances of one core (tokens: the event loop is the limit) or LOGIN_INSTANCE_CORES (logins). */
  instances: number;
  redisShards: number;
  /** Redis commands per second the rate sends. */
  redisOpsPerSecond: number;
  /** Steady state: rate × kept bytes × lifetime. */
  redisMemoryGB: number;
  bottleneck: string;
}

/** Keys every request of every client and user shares: one shard's, whatever the shard count. */
const GLOBAL_KEY = /^(stream|feed|doc-index|lock):/;

/**
 * The highest rate of a type before the shard holding a shared key saturates: that key's
 * commands per unit against what a shard carries (commands per Redis CPU-second of that type).
 */
function hotKeyCap(cost: RequestCost, opsPerCpuSecond: number | undefined): { key: string; cap: number } | undefined {
  const hot = cost.hotKeys.top.find((k) => GLOBAL_KEY.test(k.key));
  if (!hot || !opsPerCpuSecond || !Number.isFinite(opsPerCpuSecond)) return undefined;
  return { key: hot.key, cap: Math.round((opsPerCpuSecond * UTILISATION) / (hot.share * cost.redisCommands)) };
}

export function sizing(costs: RequestCost[], bcryptMs: number) {
  const plans: Plan[] = [];
  const opsPerShardCpuSecond: Record<string, number> = {};
  const hotKeyCaps: Record<string, { key: string; cap: number }> = {};
  for (const { type, rates } of TARGETS) {
    const cost = costs.find((c) => c.type === type);
    if (!cost || !cost.units) continue;
    if (cost.redisCpuMs > 0) opsPerShardCpuSecond[type] = Math.round(cost.redisCommands / (cost.redisCpuMs / 1000));
    // Types whose Redis CPU is too small to read take the most conservative measured figure.
    const hot = hotKeyCap(cost, opsPerShardCpuSecond[type] ?? Math.min(...Object.values(opsPerShardCpuSecond)));
    if (hot) hotKeyCaps[type] = hot;
    for (const rate of rates) {
      const latchkeyCores = (rate * cost.latchkeyCpuMs) / 1000 / UTILISATION;
      const redisCores = (rate * cost.redisCpuMs) / 1000 / UTILISATION;
      const perInstance = type === 'login' ? LOGIN_INSTANCE_CORES : 1;
      plans.push({
        type,
        rate,
        latchkeyCores: Math.ceil(latchkeyCores),
        instances: Math.ceil(latchkeyCores / perInstance),
        redisShards: Math.max(1, Math.ceil(redisCores)),
        redisOpsPerSecond: Math.round(rate * cost.redisCommands),
        redisMemoryGB: (rate * Math.max(0, cost.retainedBytes) * (LIFETIME_S[type] ?? 0)) / 1e9,
        bottleneck: hot && rate > hot.cap ? `Redis: one shard holds ${hot.key} (cap ~${hot.cap}/s)` : latchkeyCores >= redisCores ? 'latchkey CPU' : 'Redis CPU',
      });
    }
  }
  const lines = [
    `sizing at ${UTILISATION * 100}% planned utilisation (instances: 1 core each for tokens, ${LOGIN_INSTANCE_CORES} for logins; a Redis shard is one core; memory = rate × kept bytes × the longest lifetime of what it keeps):`,
    'type            rate/s   LK cores  instances  Redis shards  Redis ops/s  Redis memory GB  first bottleneck',
    ...plans.map((p) =>
      [
        p.type.padEnd(15),
        String(p.rate).padStart(7),
        String(p.latchkeyCores).padStart(10),
        String(p.instances).padStart(10),
        String(p.redisShards).padStart(13),
        String(p.redisOpsPerSecond).padStart(12),
        p.redisMemoryGB.toFixed(p.redisMemoryGB >= 100 ? 0 : 2).padStart(16),
        '  ' + p.bottleneck + (p.type === 'login' ? ` (bcrypt ${bcryptMs.toFixed(0)} ms of it)` : ''),
      ].join(' '),
    ),
    `Redis commands per Redis CPU-second, by type (what a shard carries at 100%): ${Object.entries(opsPerShardCpuSecond).map(([t, n]) => `${t} ${n}`).join(', ')}`,
    `shared keys (every request touches them, so one shard carries them whatever the shard count): ${Object.entries(hotKeyCaps).map(([t, h]) => `${t}: ${h.key}, ~${h.cap}/s at ${UTILISATION * 100}% of its shard`).join('; ') || 'none seen'}`,
  ];
  return { lines, data: { utilisation: UTILISATION, loginInstanceCores: LOGIN_INSTANCE_CORES, bcryptMs, plans, opsPerShardCpuSecond, hotKeyCaps } };
}
