// The capacity model's inputs (--capacity; docs/capacity.md): per request type, what one request
// costs, measured on one Latchkey instance and its Redis: the Redis commands it sends (INFO
// commandstats deltas), Redis's own CPU time and bytes on the wire, the bytes it leaves in Redis
// (used_memory delta, and MEMORY USAGE of the records), and Latchkey's CPU time (user + system,
// all threads, as process.cpuUsage counts it; from /proc). Latchkey's background work (pollers,
// health checks), measured in an idle window first, is taken out. Then a brief MONITOR sample per
// type: the keys its commands touch, to see whether any one key takes every request (one
// shard's, however many shards). And the sizing that follows for the model's target rates.
import bcrypt from 'bcrypt';
import type { Redis } from 'ioredis';
import { JWT_API, OPAQUE_API } from '../fixtures.ts';
import { runOnce, type Measured, type Part } from '../load.ts';
import { delta, hotKeys, lessBackground, snapshot, type HotKeys, type RedisDelta } from '../redis-stats.ts';
import { tokenRequest, type Pools, type Scenario, type Settings } from '../scenario.ts';
import { cpuTicks, detectPinning, type Target } from '../servers.ts';
import { introspectionPart, userinfoPart } from './endpoints.ts';
import { loginPart } from './login.ts';
import { refreshPart } from './refresh.ts';
import { sizing } from './capacity-sizing.ts';

export interface RequestCost {
  type: string;
  /** What one unit is (a request; a whole login of 8 requests). */
  unit: string;
  units: number;
  rate: number;
  p99: number;
  errors: number;
  latchkeyCpuMs: number;
  redisCpuMs: number;
  redisUsec: number;
  redisCommands: number;
  /** Per unit, by command name. */
  commands: Record<string, number>;
  netInBytes: number;
  netOutBytes: number;
  /** used_memory after less before, per unit: what stays in Redis until it expires. */
  retainedBytes: number;
  hotKeys: HotKeys;
}

/** CPU time of one bcrypt compare at `cost` (in this process: CPU time, not wall time, so the
 * machine's other load does not inflate it). */
function bcryptCpu(cost: number, rounds: number): number {
  const hash = bcrypt.hashSync('a password of some length', cost);
  const before = process.cpuUsage();
  for (let i = 0; i < rounds; i++) bcrypt.compareSync('a password of some length', hash);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / rounds;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function recordSizes(redis: Redis, prefix: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const model of ['ClientCredentials', 'AccessToken', 'RefreshToken', 'AuthorizationCode', 'Session', 'Grant', 'Interaction']) {
    const [, keys] = await redis.scan('0', 'MATCH', `${prefix}${model}:{*`, 'COUNT', 5000);
    const chosen = keys.slice(0, 50);
    if (!chosen.length) continue;
    const sizes = await Promise.all(chosen.map((k) => redis.memory('USAGE', k, 'SAMPLES', 0) as Promise<number | null>));
    out[model] = Math.round(sizes.reduce<number>((s, n) => s + (n ?? 0), 0) / chosen.length);
  }
  return out;
}

interface Kind {
  type: string;
  unit: string;
  part: (target: Target, pools: Pools, settings: Settings) => Promise<Part>;
}

const KINDS: Kind[] = [
  { type: 'cc-opaque', unit: 'request', part: async (t, _p, s) => ({ label: 'cc-opaque', connections: s.connections, requests: [tokenRequest(t.fixtures.service, { grant_type: 'client_credentials', resource: OPAQUE_API, scope: 'read' })] }) },
  { type: 'cc-jwt', unit: 'request', part: async (t, _p, s) => ({ label: 'cc-jwt', connections: s.connections, requests: [tokenRequest(t.fixtures.service, { grant_type: 'client_credentials', resource: JWT_API, scope: 'read write' })] }) },
  { type: 'introspection', unit: 'request', part: (t, p, s) => introspectionPart(t, p, s, s.connections) },
  { type: 'userinfo', unit: 'request', part: (t, p, s) => userinfoPart(t, p, s, s.connections) },
  { type: 'refresh', unit: 'request', part: async (t, p, s) => refreshPart(t, p, s.connections) },
  // Enough browsers to keep bcrypt busy, not so many that the bounded password queue sheds them.
  { type: 'login', unit: 'login (8 requests)', part: async (t, _p, s) => loginPart(t, Math.min(4, s.connections)) },
];

export const capacityScenario: Scenario = {
  name: 'capacity',
  title: 'capacity model inputs: Redis commands, CPU and bytes per request type; Latchkey CPU per request',
  optIn: true,
  latchkeyOnly: true,
  async run({ targets, settings, redis, pools, progress }) {
    const target = targets.find((t) => t.name === 'latchkey');
    if (!target?.env) return { unit: '', rows: [], notes: ['needs the latchkey target'] };
    const prefix = target.env.REDIS_KEY_PREFIX!;
    const pinning = detectPinning(!process.env.LATCHKEY_BENCH_PINNED);
    const bcryptCpuMs = bcryptCpu(settings.bcryptCost, settings.smoke ? 2 : 6);

    // Latchkey's own background work, per second, to take out of every run.
    const idleSeconds = settings.smoke ? 1 : 5;
    progress(`capacity: ${idleSeconds} s idle (background work)`, true);
    const idleBefore = await snapshot(redis);
    const idleTicks = cpuTicks(target.pid) ?? 0;
    await sleep(idleSeconds * 1000);
    const background = delta(idleBefore, await snapshot(redis));
    const backgroundCpuPerSecond = ((cpuTicks(target.pid) ?? 0) - idleTicks) / 100 / background.seconds;

    const costs: RequestCost[] = [];
    const rows: Measured[] = [];
    for (const kind of KINDS) {
      const part = await kind.part(target, pools(target), settings);
      await part.before?.();
      const duration = kind.type === 'login' && !settings.smoke ? Math.max(15, settings.duration) : settings.duration;
      progress(`capacity: ${kind.type} (${settings.amount ? `${settings.amount} requests` : `${duration} s`})`, true);
      const before = await snapshot(redis);
      const ticks = cpuTicks(target.pid) ?? 0;
      const [result] = await runOnce(target, [part], { duration, amount: settings.amount }, progress, `capacity ${kind.type}:`);
      const after = await snapshot(redis);
      const d: RedisDelta = lessBackground(delta(before, after), background);
      const cpu = Math.max(0, ((cpuTicks(target.pid) ?? 0) - ticks) / 100 - backgroundCpuPerSecond * d.seconds);
      const units = kind.type === 'login' ? result!.extra.flows ?? 0 : result!.requests;
      const per = (n: number) => (units ? n / units : 0);
      // Which keys its commands touch: a short sample of its own, MONITOR slows Redis down.
      const sample = await (async () => {
        const watching = hotKeys(redis.url, settings.smoke ? 300 : 1500, prefix);
        await runOnce(target, [part], { duration: settings.smoke ? 0.3 : 1.5 }, undefined, '');
        return watching;
      })();
      costs.push({
        type: kind.type,
        unit: kind.unit,
        units,
        rate: kind.type === 'login' ? result!.extra.loginsPerSecond ?? 0 : result!.rps,
        p99: kind.type === 'login' ? result!.extra.flowP99 ?? 0 : result!.p99,
        errors: result!.errors,
        latchkeyCpuMs: per(cpu * 1000),
        redisCpuMs: per(d.cpuSeconds * 1000),
        redisUsec: per(d.usec),
        redisCommands: per(d.calls),
        commands: Object.fromEntries(Object.entries(d.commands).map(([name, c]) => [name, per(c.calls)]).filter(([, n]) => (n as number) >= 0.05).sort((a, b) => (b[1] as number) - (a[1] as number))),
        netInBytes: per(d.netInBytes),
        netOutBytes: per(d.netOutBytes),
        retainedBytes: per(d.usedMemory),
        hotKeys: await sample,
      });
      rows.push({
        target: 'latchkey',
        rps: result!.rps,
        rounds: [result!.rps],
        p50: result!.p50,
        p99: result!.p99,
        errors: result!.errors,
        statuses: Object.fromEntries(Object.entries(result!.statuses).map(([code, n]) => [`${part.label}:${code}`, n])),
        parts: [result!],
        extra: {},
      });
    }
    const records = await recordSizes(redis.client, prefix);

    const plan = sizing(costs, bcryptCpuMs);
    const f = (n: number, d = 2) => n.toFixed(d);
    const header = 'type            unit                 rate/s   p99 ms  LK CPU ms  Redis CPU ms  Redis µs  cmds  net in B  net out B  kept B   commands per unit';
    const table = costs.map((c) =>
      [
        c.type.padEnd(15),
        c.unit.padEnd(19),
        f(c.rate, 1).padStart(8),
        String(Math.round(c.p99)).padStart(8),
        f(c.latchkeyCpuMs, 3).padStart(10),
        f(c.redisCpuMs, 3).padStart(13),
        f(c.redisUsec, 1).padStart(9),
        f(c.redisCommands, 1).padStart(5),
        String(Math.round(c.netInBytes)).padStart(9),
        String(Math.round(c.netOutBytes)).padStart(10),
        String(Math.round(c.retainedBytes)).padStart(7),
        '  ' + Object.entries(c.commands).map(([n, k]) => `${n}×${f(k, 1)}`).join(' '),
      ].join(' '),
    );
    const notes = [
      `one Latchkey instance${pinning.enabled ? ` on CPU ${pinning.server}` : ''}, Redis ${pinning.enabled ? 'on CPU ' + pinning.load : ''}; background (idle) work taken out: Latchkey ${f(backgroundCpuPerSecond * 1000, 1)} ms CPU/s, Redis ${f(background.calls / background.seconds, 1)} commands/s`,
      `bcrypt at cost ${settings.bcryptCost}: ${f(bcryptCpuMs, 1)} ms CPU per compare (of a login's Latchkey CPU)`,
      header,
      ...table,
      `hottest keys (share of a type's commands that touch it, MONITOR sample): ${costs.map((c) => `${c.type}: ${c.hotKeys.top[0] ? `${c.hotKeys.top[0].key} ${(c.hotKeys.top[0].share * 100).toFixed(0)}%` : '-'}`).join('; ')}`,
      `MEMORY USAGE per record (B): ${Object.entries(records).map(([m, b]) => `${m} ${b}`).join(', ')}`,
      ...plan.lines,
    ];
    return { unit: 'req/s', rows, notes, data: { costs, background: { latchkeyCpuPerSecond: backgroundCpuPerSecond, redis: background }, bcrypt: { cost: settings.bcryptCost, cpuMsPerCompare: bcryptCpuMs }, records, sizing: plan.data } };
  },
};
