// Load generation with autocannon (as a library): a measurement is one or more parts (each an
// autocannon instance with its own connections and requests) run together against one target;
// measure() warms each target up, then runs rounds that alternate the targets' order, so drift
// on the machine (thermal, page cache, Redis AOF growth) does not favour either side.
import type { EventEmitter } from 'node:events';
import autocannon, { type Options as CannonOptions, type Request as CannonRequest } from 'autocannon';
import { cpuTicks, FORWARDED, waitIdle, type Target, type TargetName } from './servers.ts';

/** Linux clock ticks per second (USER_HZ), in which /proc reports CPU time. */
const TICK_US = 10_000;

export interface Part {
  label: string;
  connections: number;
  /** The request (or sequence) each connection sends in a loop. */
  requests: CannonRequest[];
  /** Statuses that count as success; 2xx by default. */
  ok?: (status: number) => boolean;
  /** Requests per second over all connections (open-ish loop); unset: as fast as answered. */
  overallRate?: number;
  /** Runs before every run of this part (refill token pools, reset counters). */
  before?: () => Promise<void> | void;
  /** Sees every answer as it comes (status 0: a socket error or timeout), e.g. per-interval
   * latency in the soak. */
  observe?: (status: number, ms: number) => void;
  /** Extra figures for this run, e.g. logins/s. */
  summary?: (seconds: number) => Promise<Record<string, number>> | Record<string, number>;
}

export interface PartResult {
  label: string;
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  statuses: Record<string, number>;
  extra: Record<string, number>;
}

export interface RunLimits {
  duration: number;
  /** Smoke mode: stop each part after this many requests instead of after `duration`. */
  amount?: number;
}

export type Progress = (message: string, transient?: boolean) => void;

const is2xx = (status: number) => status >= 200 && status < 300;

export async function runOnce(target: Target, parts: Part[], limits: RunLimits, progress?: Progress, label = ''): Promise<PartResult[]> {
  for (const part of parts) await part.before?.();
  // The server's CPU per request: less disturbed by the machine's other load than req/s is,
  // since time the server waits for a CPU (or for Redis) is not counted.
  const ticksBefore = cpuTicks(target.pid);
  let lastTick = 0;
  const perSecond = new Map<string, number>();
  const runs = parts.map(
    (part) =>
      new Promise<PartResult>((resolve, reject) => {
        const options: CannonOptions = {
          url: target.url,
          connections: Math.max(1, part.connections),
          headers: { ...FORWARDED },
          requests: part.requests,
          timeout: 20,
          // With a fixed amount, end as soon as it is done (autocannon checks once per sample).
          ...(limits.amount ? { amount: Math.max(limits.amount, part.connections), sampleInt: 50 } : { duration: limits.duration }),
          ...(part.overallRate ? { overallRate: part.overallRate } : {}),
        };
        const instance = autocannon(options, async (error, result) => {
          if (error) return reject(error);
          const ok = part.ok ?? is2xx;
          const statuses: Record<string, number> = {};
          let requests = 0;
          let failed = 0;
          for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {}) as [string, { count: number }][]) {
            statuses[code] = count;
            requests += count;
            if (!ok(Number(code))) failed += count;
          }
          if (result.errors) statuses.socket_errors = result.errors;
          const seconds = result.duration || limits.duration;
          resolve({
            label: part.label,
            requests,
            seconds,
            rps: requests / seconds,
            p50: result.latency.p50,
            p99: result.latency.p99,
            errors: failed + result.errors + result.mismatches,
            statuses,
            extra: (await part.summary?.(seconds)) ?? {},
          });
        });
        if (part.observe) {
          const observe = part.observe;
          (instance as unknown as EventEmitter).on('response', (_client: unknown, status: number, _bytes: number, ms: number) => observe(status, ms));
          (instance as unknown as EventEmitter).on('reqError', () => observe(0, Number.NaN));
        }
        (instance as unknown as EventEmitter).on('tick', ({ counter }: { counter: number }) => {
          perSecond.set(part.label, counter);
          const now = Date.now();
          if (progress && now - lastTick > 900) {
            lastTick = now;
            const rates = [...perSecond].map(([name, n]) => `${name} ${n}/s`).join(', ');
            progress(`${label} ${rates}`, true);
          }
        });
      }),
  );
  const results = await Promise.all(runs);
  const ticksAfter = cpuTicks(target.pid);
  const answered = results.reduce((sum, r) => sum + r.requests, 0);
  if (ticksBefore !== undefined && ticksAfter !== undefined && answered > 0 && !limits.amount) {
    results[0]!.extra.cpuUsPerRequest = Math.round(((ticksAfter - ticksBefore) * TICK_US) / answered);
  }
  // The next run starts on a quiet server, whatever this one left queued (smoke mode measures
  // nothing, so it does not wait).
  if (!limits.amount) await waitIdle(target.pid);
  return results;
}

export interface Measured {
  target: TargetName;
  /** Median over rounds of the summed req/s of all parts (or of `unit` when a part defines it). */
  rps: number;
  rounds: number[];
  p50: number;
  p99: number;
  errors: number;
  statuses: Record<string, number>;
  /** Per part: the median round's figures. */
  parts: PartResult[];
  extra: Record<string, number>;
}

export interface MeasureSettings {
  rounds: number;
  duration: number;
  warmup: number;
  amount?: number;
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Warm-up, then `rounds` runs per target, alternating which target goes first. The figure of
 * merit is `metric` of a run (default: total req/s); p50/p99 are the median round's first part.
 */
export async function measure(
  name: string,
  targets: Target[],
  partsFor: (target: Target) => Promise<Part[]>,
  settings: MeasureSettings,
  progress: Progress,
  metric: (results: PartResult[]) => number = (results) => results.reduce((sum, r) => sum + r.rps, 0),
): Promise<Measured[]> {
  const parts = new Map<Target, Part[]>();
  for (const target of targets) parts.set(target, await partsFor(target));
  const runs = new Map<Target, PartResult[][]>(targets.map((t) => [t, []]));

  if (settings.warmup > 0 && !settings.amount) {
    for (const target of targets) {
      progress(`${name} · ${target.name} · warm-up ${settings.warmup}s`, true);
      await runOnce(target, parts.get(target)!, { duration: settings.warmup }, progress, `${name} · ${target.name} · warm-up:`);
    }
  }
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      const label = `${name} · ${target.name} · round ${round + 1}/${settings.rounds}:`;
      progress(label, true);
      const results = await runOnce(target, parts.get(target)!, { duration: settings.duration, amount: settings.amount }, progress, label);
      runs.get(target)!.push(results);
      progress(`${label} ${metric(results).toFixed(1)}/s, errors ${results.reduce((s, r) => s + r.errors, 0)}`);
    }
  }

  return targets.map((target) => {
    const all = runs.get(target)!;
    const values = all.map(metric);
    const mid = median(values);
    const chosen = all[values.indexOf(values.reduce((best, v) => (Math.abs(v - mid) < Math.abs(best - mid) ? v : best)))]!;
    const statuses: Record<string, number> = {};
    for (const results of all) for (const r of results) for (const [code, n] of Object.entries(r.statuses)) statuses[`${r.label}:${code}`] = (statuses[`${r.label}:${code}`] ?? 0) + n;
    const extra: Record<string, number> = {};
    for (const r of chosen) for (const [k, v] of Object.entries(r.extra)) extra[parts.get(target)!.length > 1 ? `${r.label}.${k}` : k] = v;
    return {
      target: target.name,
      rps: mid,
      rounds: values,
      p50: chosen[0]!.p50,
      p99: chosen[0]!.p99,
      errors: all.flat().reduce((sum, r) => sum + r.errors, 0),
      statuses,
      parts: chosen,
      extra,
    };
  });
}

/** Percentiles of a list of samples (ms). */
export function percentiles(samples: number[]): { p50: number; p99: number } {
  if (!samples.length) return { p50: 0, p99: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}
