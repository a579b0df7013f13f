// npm run bench — measures Latchkey (production mode, real Redis with AOF) against the bare
// oidc-provider (in-memory adapter, same features) on the same machine, in the same run.
// Servers run pinned to CPU 0, the load generator (this process) to CPU 1, when taskset exists.
// See bench/README.md for the scenarios and flags.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeFixtures } from './fixtures.ts';
import type { Progress } from './load.ts';
import { formatNotes, formatTable, writeReport, type RunReport } from './report.ts';
import { Pools, variantRatios, type Scenario, type ScenarioResult, type Settings } from './scenario.ts';
import { attackScenario } from './scenarios/attack.ts';
import { capacityScenario } from './scenarios/capacity.ts';
import { clientCredentialsScenarios } from './scenarios/client-credentials.ts';
import { endpointScenarios } from './scenarios/endpoints.ts';
import { latencyScenario } from './scenarios/latency.ts';
import { authCodeScenario, loginStormScenario } from './scenarios/login.ts';
import { memoryScenario } from './scenarios/memory.ts';
import { mixedScenario } from './scenarios/mixed.ts';
import { refreshScenario } from './scenarios/refresh.ts';
import { riskScenario } from './scenarios/risk.ts';
import { rotationScenario } from './scenarios/rotation.ts';
import { soakScenario } from './scenarios/soak.ts';
import { detectPinning, ROOT, startBaseline, startLatchkey, startRedis, type Target, type TargetName, type Variant } from './servers.ts';

const HELP = `Usage: node bench/run.ts [options]

  --scenario NAME     run only this scenario (repeatable); --list shows them
  --short             quick check: 3 s runs, 1 round, 1 s warm-up, 10k sessions
  --smoke             CI: a few requests per scenario, bcrypt cost 4; checks that all run and answer 2xx
  --rounds N          measured rounds per target (default 3)
  --duration S        seconds per round (default 10)
  --warmup S          warm-up seconds per target (default 3)
  --connections N     concurrent connections (default 10)
  --target NAME       baseline or latchkey (repeatable; default both)
  --log-level LEVEL   Latchkey's LOG_LEVEL (default warn; info logs one line per request)
  --bcrypt-cost N     BCRYPT_COST for both servers (default 12)
  --sessions N        sessions for the memory scenario (default 100000)
  --soak              add the soak: 2 instances behind a proxy, the mixed workload at 80% of
                      its peak; RSS, Redis memory, p99 and errors per interval
  --soak-minutes M    soak length (default 10; fractions too, e.g. 0.5)
  --capacity          the capacity model's inputs (docs/capacity.md): Redis commands, CPU and
                      bytes per request type, Latchkey CPU per request, and the sizing from them
  --baseline-store-size N
                      entries in the baseline's in-memory LRU (default 2000000; 0 = the
                      library's 1000, which drops live tokens under load)
  --profile           run the servers with --cpu-prof (profiles in bench/results/profiles/)
  --latchkey-import F preload module F in Latchkey (node --import; repeatable), to try a change
                      without editing the server (see bench/experiments/)
  --variant F         also run Latchkey with module F preloaded (repeatable), named after the
                      file (bench/experiments/audit-off.ts: audit-off), in the same rounds as the
                      others; its ratio column is latchkey ÷ variant: the cost of what F turns off.
                      F may be another Latchkey checkout (a git worktree of an earlier commit,
                      with node_modules): its server runs instead, named after the folder, so a
                      change is measured before and after in one run
  --redis-cpu CPU     where redis-server runs: 1 (default, beside the load generator, like a
                      separate host), 0 (beside the server, same CPU budget), none (unpinned)
  --wait-replicas N   give the bench Redis N replicas and run Latchkey with REDIS_WAIT_REPLICAS=N
                      (the cost of waiting for replicas on each consume; default 0)
  --no-pin            do not pin anything with taskset
  --out FILE          JSON report path (default bench/results/<timestamp>.json)
  --list              list the scenarios and exit
`;

const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', multiple: true },
    short: { type: 'boolean' },
    smoke: { type: 'boolean' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    target: { type: 'string', multiple: true },
    'log-level': { type: 'string' },
    'bcrypt-cost': { type: 'string' },
    sessions: { type: 'string' },
    soak: { type: 'boolean' },
    'soak-minutes': { type: 'string' },
    capacity: { type: 'boolean' },
    profile: { type: 'boolean' },
    'baseline-store-size': { type: 'string' },
    'latchkey-import': { type: 'string', multiple: true },
    variant: { type: 'string', multiple: true },
    'redis-cpu': { type: 'string' },
    'wait-replicas': { type: 'string' },
    'no-pin': { type: 'boolean' },
    out: { type: 'string' },
    list: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  allowPositionals: false,
});

const SERVER_CPU = () => (pinning.enabled ? pinning.server : undefined);
const ALL: Scenario[] = [
  ...clientCredentialsScenarios,
  refreshScenario,
  ...endpointScenarios,
  latencyScenario,
  authCodeScenario(SERVER_CPU),
  loginStormScenario,
  mixedScenario,
  memoryScenario,
  rotationScenario,
  riskScenario,
  attackScenario,
  soakScenario,
  capacityScenario,
];

if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
if (args.list) {
  for (const s of ALL) process.stdout.write(`${s.name.padEnd(16)} ${s.title}${s.optIn ? ' (opt-in)' : ''}\n`);
  process.exit(0);
}

const pinning = detectPinning(args['no-pin']);

// The load generator gets its own CPU: re-run this script under taskset, once.
if (pinning.enabled && !process.env.LATCHKEY_BENCH_PINNED) {
  const child = spawn('taskset', ['-c', pinning.load, process.execPath, ...process.execArgv, import.meta.filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, LATCHKEY_BENCH_PINNED: '1' },
  });
  // The child cleans up its servers on these; this process only waits for it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await main();
}

function number(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`bench: --${name} needs a number (got ${value})\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const smoke = Boolean(args.smoke);
  const short = Boolean(args.short);
  const settings: Settings = {
    duration: number(args.duration, short ? 3 : 10, 'duration'),
    warmup: number(args.warmup, smoke ? 0 : short ? 1 : 3, 'warmup'),
    rounds: number(args.rounds, smoke || short ? 1 : 3, 'rounds'),
    connections: number(args.connections, smoke ? 2 : 10, 'connections'),
    amount: smoke ? 24 : undefined,
    smoke,
    bcryptCost: number(args['bcrypt-cost'], smoke ? 4 : 12, 'bcrypt-cost'),
    logLevel: args['log-level'] ?? 'warn',
    sessions: number(args.sessions, smoke ? 200 : short ? 10_000 : 100_000, 'sessions'),
    soakMinutes: number(args['soak-minutes'], 10, 'soak-minutes'),
  };

  const names = args.scenario ?? [];
  for (const name of names) {
    if (!ALL.some((s) => s.name === name)) {
      process.stderr.write(`bench: unknown scenario ${name}; try --list\n`);
      process.exit(2);
    }
  }
  // --soak and --capacity are modes: alone they run only themselves; with --scenario they add to it.
  const modes = [args.soak ? 'soak' : '', args.capacity ? 'capacity' : ''].filter(Boolean);
  const selected = ALL.filter((s) => (names.length || modes.length ? names.includes(s.name) || modes.includes(s.name) : !s.optIn));
  const targetNames = (args.target ?? (selected.every((s) => s.latchkeyOnly) ? ['latchkey'] : ['baseline', 'latchkey'])) as TargetName[];
  // A variant is an experiment module (preloaded) or another checkout (its server/main.ts).
  const variants: Variant[] = (args.variant ?? []).map((path) => {
    const full = resolve(path);
    return existsSync(join(full, 'server', 'main.ts')) ? { name: basename(full), checkout: full } : { name: basename(full, extname(full)), file: full };
  });
  for (const v of variants) {
    const where = v.checkout ?? v.file!;
    if (!existsSync(where)) {
      process.stderr.write(`bench: --variant ${where}: no such file or Latchkey checkout\n`);
      process.exit(2);
    }
    if (['baseline', 'latchkey'].includes(v.name) || variants.filter((o) => o.name === v.name).length > 1) {
      process.stderr.write(`bench: --variant ${where}: the name ${v.name} is taken\n`);
      process.exit(2);
    }
  }
  const interactive = process.stderr.isTTY;
  const progress: Progress = (message, transient) => {
    if (transient && !interactive) return;
    process.stderr.write(interactive ? `\r\x1b[K${message}${transient ? '' : '\n'}` : `${message}\n`);
  };

  const baselineStoreSize = number(args['baseline-store-size'], 2_000_000, 'baseline-store-size');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const profileDir = args.profile ? join(ROOT, 'bench', 'results', 'profiles', stamp) : undefined;
  const redisCpu = args['redis-cpu'] === 'none' ? undefined : (args['redis-cpu'] ?? pinning.load);
  const startedAt = new Date().toISOString();
  progress(
    `bench: ${selected.map((s) => s.name).join(', ')} · ${settings.connections} connections · ${smoke ? `${settings.amount} requests` : `${settings.rounds}×${settings.duration}s (+${settings.warmup}s warm-up)`} · ` +
      (pinning.enabled ? `servers on CPU ${pinning.server}, load on CPU ${pinning.load}, redis on ${redisCpu ?? 'any'} CPU` : 'not pinned (no taskset or one CPU)'),
  );

  const fixtures = makeFixtures(smoke ? { apps: 4, users: 2 } : {});
  const redis = await startRedis(pinning, redisCpu);
  const waitReplicas = number(args['wait-replicas'], 0, 'wait-replicas');
  const replicas = await Promise.all(Array.from({ length: waitReplicas }, () => startRedis(pinning, redisCpu, Number(new URL(redis.url).port))));
  if (waitReplicas) {
    // Every replica in sync before anything is measured.
    for (let i = 0; ((await redis.client.info('replication')).match(/state=online/g) ?? []).length < waitReplicas; i++) {
      if (i > 200) throw new Error('the bench replicas did not come in sync');
      await new Promise((r) => setTimeout(r, 50));
    }
    progress(`bench: ${waitReplicas} replica(s); Latchkey runs with REDIS_WAIT_REPLICAS=${waitReplicas}`);
  }
  const redisVersion = /redis_version:(\S+)/.exec(await redis.client.info('server'))?.[1];
  const results: ScenarioResult[] = [];
  let stopping = false;
  const running: Target[] = [];
  const cleanup = async () => {
    await Promise.allSettled(running.map((t) => t.stop()));
    running.length = 0;
    await Promise.allSettled(replicas.map((r) => r.stop()));
    await redis.stop();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      progress(`\nbench: ${signal}, stopping servers`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    for (const variant of ['ES256', 'RS256'] as const) {
      const group = selected.filter((s) => (s.variant ?? 'ES256') === variant);
      if (!group.length) continue;
      progress(`bench: starting servers (${variant}, bcrypt cost ${settings.bcryptCost}, baseline LRU ${baselineStoreSize || 'library default'}, Latchkey LOG_LEVEL=${settings.logLevel})`);
      const common = { pinning, fixtures, signingAlg: variant, bcryptCost: settings.bcryptCost, logLevel: settings.logLevel, baselineStoreSize, profileDir, latchkeyImports: args['latchkey-import']?.map((f) => resolve(f)), latchkeyEnv: waitReplicas ? { REDIS_WAIT_REPLICAS: String(waitReplicas) } : undefined, tag: variant.toLowerCase() };
      running.push(...(await Promise.all(targetNames.map((name) => (name === 'baseline' ? startBaseline(common) : startLatchkey({ ...common, redisUrl: redis.url }))))));
      running.push(...(await Promise.all(variants.map((variant) => startLatchkey({ ...common, redisUrl: redis.url, variant })))));
      const pools = new Map(running.map((t) => [t, new Pools(t, progress)]));
      for (const scenario of group) {
        progress(`\n▶ ${scenario.name}: ${scenario.title}`);
        try {
          const result = await scenario.run({ targets: [...running], settings, redis, pools: (t) => pools.get(t)!, progress });
          const ratios = variants.length ? variantRatios(result.rows) : {};
          results.push({ name: scenario.name, title: scenario.title, ...result, ...(Object.keys(ratios).length ? { variants: ratios } : {}) });
        } catch (error) {
          const message = error instanceof Error ? error.stack ?? error.message : String(error);
          const logs = running.map((t) => `--- ${t.name} log tail ---\n${t.logTail()}`).join('\n');
          progress(`✗ ${scenario.name} failed: ${message}\n${logs}`);
          results.push({ name: scenario.name, title: scenario.title, unit: '', rows: [], notes: [], error: message });
        }
      }
      await Promise.allSettled(running.map((t) => t.stop()));
      running.length = 0;
    }
  } finally {
    await cleanup();
  }

  results.sort((a, b) => ALL.findIndex((s) => s.name === a.name) - ALL.findIndex((s) => s.name === b.name));
  const report: RunReport = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model,
      cpus: cpus().length,
      kernel: release(),
      node: process.version,
      redis: redisVersion,
      pinning: pinning.enabled ? { server: pinning.server, load: pinning.load, redis: redisCpu ?? 'any' } : false,
    },
    settings: { ...settings, baselineStoreSize, latchkeyImports: args['latchkey-import'], variants: variants.map((v) => v.name), scenarios: selected.map((s) => s.name), targets: targetNames, profileDir },
    scenarios: results,
  };
  const out = args.out ?? join(ROOT, 'bench', 'results', `${smoke ? 'smoke-' : ''}${stamp}.json`);
  writeReport(report, out);
  process.stdout.write(`\n${formatTable(results)}\n\n${formatNotes(results)}\n\nJSON: ${out}\n`);
  if (profileDir) process.stdout.write(`CPU profiles: ${profileDir} (summarise with: node bench/profile.ts ${profileDir}/latchkey-*.cpuprofile)\n`);

  const failed = results.filter((r) => r.error);
  const errors = results.flatMap((r) => r.rows).reduce((s, r) => s + r.errors, 0);
  if (failed.length || (smoke && errors)) process.exitCode = 1;
}
