// The soak (--soak, not in the default run): two Latchkey instances on one Redis behind a
// round-robin proxy (bench/proxy.ts), under the mixed workload (client credentials opaque and
// JWT, introspection, userinfo, refresh with rotation, ~1 login/s through the forms) at 80% of
// the rate each part peaks at in that mix, for --soak-minutes (default 10). One continuous run,
// cut into intervals: per interval, each instance's RSS and CPU, Redis used_memory, requests,
// errors and p50/p99. Targets: flat memory (RSS slope over the second half), zero errors, p99
// drift (last interval against the first) under 20%. A leak shows as a slope; an error under
// steady load is a bug.
import { JWT_API, OPAQUE_API } from '../fixtures.ts';
import { Intervals, slope, type IntervalFigures } from '../intervals.ts';
import { runOnce, type Measured, type Part, type PartResult } from '../load.ts';
import { startProxy } from '../proxy.ts';
import { Pools, tokenRequest, type Scenario, type Settings } from '../scenario.ts';
import { cpuTicks, detectPinning, startLatchkeyReplica, type ServerOptions, type Target } from '../servers.ts';
import { introspectionPart, userinfoPart } from './endpoints.ts';
import { loginPart } from './login.ts';
import { refreshPart } from './refresh.ts';

const MB = 1024 * 1024;
const TICKS_PER_SECOND = 100;
/** Per instance: RSS growth over the second half under this (MB/min) counts as flat. */
export const FLAT_MB_PER_MINUTE = 1;
export const DRIFT_TARGET = 0.2;
/** The login flow's pages (bcrypt-bound, a few per second) are not in the token-path p99. */
const LOGIN = 'login';

export interface SoakSample extends Partial<IntervalFigures> {
  /** Minutes since the soak began. */
  minute: number;
  /** Per instance (the primary, then the second one). */
  rssMB: number[];
  /** Per instance: cores used over the interval. */
  cpu: number[];
  redisMB: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The mix: connections shared out by weight, one browser for the logins (~1 login/s). */
async function mix(front: Target, pools: Pools, settings: Settings, redis: Parameters<typeof refreshPart>[3], rates?: Record<string, number>): Promise<Part[]> {
  const share = (w: number) => Math.max(1, Math.round((settings.connections - 1) * w));
  const { service } = front.fixtures;
  const parts: Part[] = [
    { label: 'cc-opaque', connections: share(0.2), requests: [tokenRequest(service, { grant_type: 'client_credentials', resource: OPAQUE_API, scope: 'read' })] },
    { label: 'cc-jwt', connections: share(0.1), requests: [tokenRequest(service, { grant_type: 'client_credentials', resource: JWT_API, scope: 'read write' })] },
    await introspectionPart(front, pools, settings, share(0.2)),
    await userinfoPart(front, pools, settings, share(0.25)),
    refreshPart(front, pools, share(0.25), redis),
    // 8 requests per flow: ~1 login/s.
    loginPart(front, 1, 8, LOGIN),
  ];
  return parts.map((part) => (rates?.[part.label] ? { ...part, overallRate: rates[part.label] } : part));
}

export const soakScenario: Scenario = {
  name: 'soak',
  title: 'soak: 2 instances behind a proxy, mixed workload at 80% of peak; RSS, Redis memory, p99 and errors over time',
  optIn: true,
  latchkeyOnly: true,
  async run({ targets, settings, redis, progress }) {
    const primary = targets.find((t) => t.name === 'latchkey');
    if (!primary?.env) return { unit: '', rows: [], notes: ['needs the latchkey target'] };
    // The runner re-executes itself pinned (and says so in the environment) when pinning is on.
    const pinning = detectPinning(!process.env.LATCHKEY_BENCH_PINNED);
    const serverOptions: ServerOptions = { pinning, fixtures: primary.fixtures, signingAlg: 'ES256', bcryptCost: settings.bcryptCost, logLevel: settings.logLevel, baselineStoreSize: 0, tag: 'soak' };
    progress('soak: starting a second instance and the proxy', true);
    const second = await startLatchkeyReplica(primary, serverOptions);
    const instances = [primary, second];
    const proxy = await startProxy(new URL(primary.issuer).host, instances.map((i) => i.url), pinning, pinning.load);
    try {
      // What the load generator sees: one issuer, at the proxy. Idle means the primary is idle.
      const front: Target = { ...primary, url: proxy.url };
      const pools = new Pools(front, progress);

      const peakSeconds = settings.smoke ? 2 : Math.max(10, settings.duration);
      progress(`soak: measuring the mix's peak (${peakSeconds} s, closed loop)`, true);
      const peak = await runOnce(front, await mix(front, pools, settings, redis), { duration: peakSeconds }, progress, 'soak peak:');
      const rates = Object.fromEntries(peak.filter((p) => p.label !== LOGIN).map((p) => [p.label, Math.max(1, Math.round(p.rps * 0.8))]));

      const soakSeconds = Math.max(2, settings.soakMinutes * 60);
      const intervalSeconds = Math.min(30, Math.max(2, soakSeconds / 10));
      const count = Math.max(1, Math.floor(soakSeconds / intervalSeconds));
      const whole = new Intervals([LOGIN]);
      const current = new Intervals([LOGIN]);
      let begun: (() => void) | undefined;
      const firstAnswer = new Promise<void>((resolve) => (begun = resolve));
      const steady = (await mix(front, pools, settings, redis, rates)).map((part): Part => {
        const ok = part.ok ?? ((status: number) => status >= 200 && status < 300);
        return {
          ...part,
          observe: (status, ms) => {
            begun?.();
            const good = status !== 0 && ok(status);
            whole.record(part.label, good, ms);
            current.record(part.label, good, ms);
          },
        };
      });

      const ticks = () => instances.map((i) => cpuTicks(i.pid) ?? 0);
      const sampleOf = async (minute: number, figures: Partial<IntervalFigures>, before: number[], after: number[]): Promise<SoakSample> => ({
        minute,
        ...figures,
        rssMB: instances.map((i) => round((i.rss() ?? 0) / MB)),
        cpu: figures.seconds ? after.map((t, k) => round((t - before[k]!) / TICKS_PER_SECOND / figures.seconds!, 2)) : instances.map(() => 0),
        redisMB: round((await redis.usedMemory()) / MB),
      });
      const samples: SoakSample[] = [await sampleOf(0, {}, [], [])];

      // One run for the whole soak (no gaps between intervals); it runs half a second past the
      // last cut, so that the last interval is whole. The cuts start with the first answer.
      const run = runOnce(front, steady, { duration: count * intervalSeconds + 0.5 }, progress, 'soak:');
      await firstAnswer;
      current.cut();
      const started = performance.now();
      let last = ticks();
      for (let k = 1; k <= count; k++) {
        await sleep(Math.max(0, started + k * intervalSeconds * 1000 - performance.now()));
        const now = ticks();
        const sample = await sampleOf((performance.now() - started) / 60_000, current.cut(), last, now);
        last = now;
        samples.push(sample);
        progress(`soak ${k}/${count}: ${sample.rps!.toFixed(0)} req/s, p99 ${sample.p99} ms, errors ${sample.errors}, RSS ${sample.rssMB.join(' / ')} MB, Redis ${sample.redisMB} MB`);
      }
      const results = await run;
      return summarise({ peak, rates, results, samples, whole: whole.cut(), soakSeconds, intervalSeconds, instances: instances.length });
    } finally {
      await proxy.stop();
      await second.stop();
    }
  },
};

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const pct = (ratio: number) => `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)}%`;

interface Outcome {
  peak: PartResult[];
  rates: Record<string, number>;
  results: PartResult[];
  samples: SoakSample[];
  whole: IntervalFigures;
  soakSeconds: number;
  intervalSeconds: number;
  instances: number;
}

function summarise({ peak, rates, results, samples, whole, soakSeconds, intervalSeconds, instances }: Outcome) {
  const loaded = samples.slice(1);
  const secondHalf = loaded.slice(Math.floor(loaded.length / 2));
  const rssSlopes = Array.from({ length: instances }, (_, k) => round(slope(secondHalf.map((s) => [s.minute, s.rssMB[k]!])), 2));
  const redisSlope = round(slope(loaded.map((s) => [s.minute, s.redisMB])), 2);
  const errors = results.reduce((s, r) => s + r.errors, 0);
  const first = loaded[0]!;
  const final = loaded.at(-1)!;
  const drift = first.p99 ? final.p99! / first.p99 - 1 : 0;
  const partDrift = Object.fromEntries(Object.keys(final.parts ?? {}).map((label) => [label, first.parts?.[label]?.p99 ? round(final.parts![label]!.p99 / first.parts[label]!.p99 - 1, 3) : 0]));
  const flat = rssSlopes.every((s) => s < FLAT_MB_PER_MINUTE);
  // Drift is a p99 that grows: one that falls (the first interval still warming up) meets it.
  const verdicts = { flatMemory: flat, zeroErrors: errors === 0, p99Drift: drift < DRIFT_TARGET };

  const statuses: Record<string, number> = {};
  for (const r of results) for (const [code, n] of Object.entries(r.statuses)) statuses[`${r.label}:${code}`] = n;
  const login = results.find((r) => r.label === LOGIN)?.extra ?? {};
  const row: Measured = {
    target: 'latchkey',
    rps: results.reduce((s, r) => s + r.rps, 0),
    rounds: loaded.map((s) => s.rps!),
    p50: whole.p50,
    p99: whole.p99,
    errors,
    statuses,
    parts: results,
    extra: { instances, rssSlopeMBPerMin: Math.max(...rssSlopes), redisSlopeMBPerMin: redisSlope, p99DriftPct: round(drift * 100), loginsPerSecond: round(login.loginsPerSecond ?? 0, 2), flowErrors: login.flowErrors ?? 0 },
  };

  const header = ['min', 'req/s', 'p50 ms', 'p99 ms', 'errors', ...Array.from({ length: instances }, (_, k) => `RSS ${k + 1} MB`), ...Array.from({ length: instances }, (_, k) => `CPU ${k + 1}`), 'Redis MB'];
  const cells = (s: SoakSample) => [s.minute.toFixed(1), s.rps?.toFixed(0) ?? '-', String(s.p50 ?? '-'), String(s.p99 ?? '-'), String(s.errors ?? '-'), ...s.rssMB.map((m) => m.toFixed(0)), ...s.cpu.map((c) => c.toFixed(2)), s.redisMB.toFixed(1)];
  const widths = header.map((h) => Math.max(h.length, 6));
  const line = (values: string[]) => values.map((v, i) => v.padStart(widths[i]!)).join('  ');
  const table = [line(header), line(widths.map((w) => '-'.repeat(w))), ...samples.map((s) => line(cells(s)))];
  const verdict = (ok: boolean) => (ok ? 'meets' : 'MISSES');
  const notes = [
    `${instances} instances behind a round-robin proxy, one Redis; peak of the mix (closed loop): ${peak.map((p) => `${p.label} ${p.rps.toFixed(0)}/s`).join(', ')}`,
    `soak at 80%: ${Object.entries(rates).map(([l, r]) => `${l} ${r}/s`).join(', ')} + ~1 login/s, for ${(soakSeconds / 60).toFixed(1)} min in ${loaded.length} intervals of ${intervalSeconds} s; ${whole.requests} requests, ${row.rps.toFixed(0)} req/s`,
    `memory: RSS slope over the second half ${rssSlopes.map((s) => `${s} MB/min`).join(' / ')} (${verdict(flat)} flat, < ${FLAT_MB_PER_MINUTE} MB/min); RSS ${samples[0]!.rssMB.join('/')} → ${final.rssMB.join('/')} MB; Redis used_memory ${samples[0]!.redisMB} → ${final.redisMB} MB (${redisSlope} MB/min: tokens live until their TTL, 1 h access, 14 d refresh, so Redis grows until the oldest expire)`,
    `errors: ${errors} (${verdict(errors === 0)} zero); login flows ${login.flows ?? 0} (${login.flowErrors ?? 0} failed, ${login.flowsShed ?? 0} shed), ${round(login.loginsPerSecond ?? 0, 2)} logins/s`,
    `p99 of the token paths (every part but the login pages): first interval ${first.p99} ms, last ${final.p99} ms, drift ${pct(drift)} (${verdict(verdicts.p99Drift)} < ${DRIFT_TARGET * 100}%); per part: ${Object.entries(partDrift).map(([l, d]) => `${l} ${first.parts?.[l]?.p99}→${final.parts?.[l]?.p99} ms (${pct(d)})`).join(', ')}`,
    ...table,
  ];
  return {
    unit: 'req/s',
    rows: [row],
    notes,
    data: { instances, peak, rates, soakSeconds, intervalSeconds, samples, whole, rssSlopesMBPerMin: rssSlopes, redisSlopeMBPerMin: redisSlope, errors, p99Drift: drift, partP99Drift: partDrift, verdicts, targets: { flatMBPerMin: FLAT_MB_PER_MINUTE, p99Drift: DRIFT_TARGET } },
  };
}
