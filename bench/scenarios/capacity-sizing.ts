// From the measured costs per request to a deployment (docs/capacity.md explains the model):
// Latchkey cores = rate × CPU per request / utilisation; Redis shards = rate × Redis CPU per
// request / utilisation (Redis runs commands on one thread, so a shard is one core); Redis memory
// at steady state = rate × bytes kept per request × how long the longest record it makes lives.
// For the target rates of issue 15: up to 10k logins/s and 100k token requests/s.
import type { RequestCost } from './capacity.ts';

/** Planned CPU utilisation of a Latchkey core and of a Redis shard (headroom for bursts, GC, failover). */
export const UTILISATION = 0.7;
/** Usable memory per Redis shard (a 32 GB host, with room for fork/AOF rewrite and fragmentation). */
export const SHARD_GB = 25;
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
  /** For CPU alone; redisShards also counts memory (an upper bound: every unit a record of its own
   * for its whole lifetime, as if no user ever came back). */
  redisShardsForCpu: number;
  /** Redis commands per second the rate sends. */
  redisOpsPerSecond: number;
  /** Steady state: rate × kept bytes × lifetime. */
  redisMemoryGB: number;
  bottleneck: string;
  /** Audit events per second: the default trail (AUDIT_MAX_EVENTS) holds 1M / this seconds. */
  auditEventsPerSecond: number;
}

/** Keys every request of every client and user shares: one shard's, whatever the shard count. */
const GLOBAL_KEY = /^(stream|feed|doc-index|lock):/;

/**
 * The highest rate of a type before the shard holding a shared key saturates: that key's commands
 * per unit against what a shard carries of them. `keyOpsPerCpuSecond`: commands per Redis
 * CPU-second measured where nearly every command touches that key (cc-jwt: one XADD to the audit
 * stream); else the type's own mix, a pessimistic stand-in.
 */
function hotKeyCap(cost: RequestCost, keyOpsPerCpuSecond: number | undefined): { key: string; cap: number } | undefined {
  const hot = cost.hotKeys.top.find((k) => GLOBAL_KEY.test(k.key));
  if (!hot || !keyOpsPerCpuSecond || !Number.isFinite(keyOpsPerCpuSecond)) return undefined;
  return { key: hot.key, cap: Math.round((keyOpsPerCpuSecond * UTILISATION) / (hot.share * cost.redisCommands)) };
}

export function sizing(costs: RequestCost[], bcryptMs: number) {
  const plans: Plan[] = [];
  const opsPerShardCpuSecond: Record<string, number> = {};
  const hotKeyCaps: Record<string, { key: string; cap: number }> = {};
  // The audit trail's share of the kept bytes: one stream, capped by count (AUDIT_MAX_EVENTS), so
  // it does not grow with the rate × lifetime like records do. Its entry size comes from cc-jwt,
  // whose only write is one audit event.
  const jwt = costs.find((c) => c.type === 'cc-jwt');
  const auditEntryBytes = jwt?.commands.xadd ? Math.max(0, jwt.retainedBytes / jwt.commands.xadd) : 0;
  const recordBytes = (c: RequestCost) => Math.max(0, c.retainedBytes - (c.commands.xadd ?? 0) * auditEntryBytes);
  for (const cost of costs) if (cost.units && cost.redisCpuMs > 0) opsPerShardCpuSecond[cost.type] = Math.round(cost.redisCommands / (cost.redisCpuMs / 1000));
  // A shared key's own throughput: from a type where (nearly) every command touches it.
  const keyOps = new Map<string, number>();
  for (const cost of costs) {
    const top = cost.hotKeys.top[0];
    if (top && GLOBAL_KEY.test(top.key) && top.share >= 0.9 && opsPerShardCpuSecond[cost.type]) keyOps.set(top.key, Math.max(keyOps.get(top.key) ?? 0, opsPerShardCpuSecond[cost.type]!));
  }
  for (const { type, rates } of TARGETS) {
    const cost = costs.find((c) => c.type === type);
    if (!cost || !cost.units) continue;
    const shared = cost.hotKeys.top.find((k) => GLOBAL_KEY.test(k.key));
    const hot = hotKeyCap(cost, (shared && keyOps.get(shared.key)) ?? opsPerShardCpuSecond[type]);
    if (hot) hotKeyCaps[type] = hot;
    for (const rate of rates) {
      const latchkeyCores = (rate * cost.latchkeyCpuMs) / 1000 / UTILISATION;
      const redisCores = (rate * cost.redisCpuMs) / 1000 / UTILISATION;
      const perInstance = type === 'login' ? LOGIN_INSTANCE_CORES : 1;
      const memoryGB = (rate * recordBytes(cost) * (LIFETIME_S[type] ?? 0)) / 1e9;
      const auditPerSecond = rate * (cost.commands.xadd ?? 0);
      const shardsForCpu = Math.max(1, Math.ceil(redisCores));
      const shards = Math.max(shardsForCpu, Math.ceil(memoryGB / SHARD_GB));
      const busiest = hot && rate > hot.cap ? `Redis: one shard holds ${hot.key} (cap ~${hot.cap}/s)` : latchkeyCores >= redisCores ? 'latchkey CPU' : 'Redis CPU';
      plans.push({
        type,
        rate,
        latchkeyCores: Math.ceil(latchkeyCores),
        instances: Math.ceil(latchkeyCores / perInstance),
        redisShards: shards,
        redisShardsForCpu: shardsForCpu,
        redisOpsPerSecond: Math.round(rate * cost.redisCommands),
        redisMemoryGB: memoryGB,
        bottleneck: busiest,
        auditEventsPerSecond: Math.round(auditPerSecond),
      });
    }
  }
  const lines = [
    `sizing at ${UTILISATION * 100}% planned utilisation (instances: 1 core each for tokens, ${LOGIN_INSTANCE_CORES} for logins; a Redis shard is one core and ${SHARD_GB} GB; records' memory = rate × bytes kept (less audit entries) × the longest lifetime of what it keeps):`,
    'type            rate/s   LK cores  instances  Redis shards: CPU  memory≤  Redis ops/s  Redis memory≤ GB  first CPU bottleneck',
    ...plans.map((p) =>
      [
        p.type.padEnd(15),
        String(p.rate).padStart(7),
        String(p.latchkeyCores).padStart(10),
        String(p.instances).padStart(10),
        String(p.redisShardsForCpu).padStart(18),
        String(p.redisShards).padStart(8),
        String(p.redisOpsPerSecond).padStart(12),
        p.redisMemoryGB.toFixed(p.redisMemoryGB >= 100 ? 0 : 2).padStart(17),
        '  ' + p.bottleneck + (p.type === 'login' ? ` (bcrypt ${bcryptMs.toFixed(0)} ms CPU of it)` : ''),
      ].join(' '),
    ),
    `Redis commands per Redis CPU-second, by type (what a shard carries at 100%): ${Object.entries(opsPerShardCpuSecond).map(([t, n]) => `${t} ${n}`).join(', ')}`,
    `audit trail: ~${Math.round(auditEntryBytes)} B per event in one stream (one shard), capped at AUDIT_MAX_EVENTS (default 1,000,000: ~${((auditEntryBytes * 1e6) / 1e9).toFixed(2)} GB); at 100k token requests/s it holds ~${(1e6 / 100_000).toFixed(0)} s of history, so at such rates the trail belongs in the webhook's sink`,
    `shared keys (every request touches them, so one shard carries them whatever the shard count): ${Object.entries(hotKeyCaps).map(([t, h]) => `${t}: ${h.key}, ~${h.cap}/s at ${UTILISATION * 100}% of its shard`).join('; ') || 'none seen'}`,
  ];
  return { lines, data: { utilisation: UTILISATION, shardGB: SHARD_GB, auditEntryBytes, loginInstanceCores: LOGIN_INSTANCE_CORES, bcryptMs, plans, opsPerShardCpuSecond, hotKeyCaps } };
}
