// Figures per interval of a long run (the soak): every answer of every part is recorded as it
// comes (Part.observe), and cut() closes the interval: requests, errors, p50/p99 per part and over
// the token paths (every part but the login flow), then starts the next one.
import { percentiles } from './load.ts';

export interface PartInterval {
  requests: number;
  errors: number;
  p50: number;
  p99: number;
}

export interface IntervalFigures {
  seconds: number;
  requests: number;
  rps: number;
  errors: number;
  /** Over every part but those named in `excluded` (the login flow's pages, bcrypt-bound). */
  p50: number;
  p99: number;
  parts: Record<string, PartInterval>;
}

export class Intervals {
  readonly #excluded: Set<string>;
  #started = performance.now();
  #latencies = new Map<string, number[]>();
  #counts = new Map<string, { requests: number; errors: number }>();

  constructor(excluded: string[] = []) {
    this.#excluded = new Set(excluded);
  }

  /** `ok`: whether the status counts as success for that part. */
  record(label: string, ok: boolean, ms: number): void {
    let count = this.#counts.get(label);
    if (!count) this.#counts.set(label, (count = { requests: 0, errors: 0 }));
    count.requests++;
    if (!ok) count.errors++;
    if (Number.isFinite(ms)) {
      let list = this.#latencies.get(label);
      if (!list) this.#latencies.set(label, (list = []));
      list.push(ms);
    }
  }

  cut(): IntervalFigures {
    const now = performance.now();
    const seconds = (now - this.#started) / 1000;
    const parts: Record<string, PartInterval> = {};
    const pooled: number[] = [];
    let requests = 0;
    let errors = 0;
    for (const [label, count] of this.#counts) {
      const latencies = this.#latencies.get(label) ?? [];
      const { p50, p99 } = percentiles(latencies);
      parts[label] = { ...count, p50: round(p50), p99: round(p99) };
      requests += count.requests;
      errors += count.errors;
      if (!this.#excluded.has(label)) for (const ms of latencies) pooled.push(ms);
    }
    const { p50, p99 } = percentiles(pooled);
    this.#started = now;
    this.#latencies = new Map();
    this.#counts = new Map();
    return { seconds, requests, rps: requests / seconds, errors, p50: round(p50), p99: round(p99), parts };
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Least-squares slope of y over x. */
export function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den ? num / den : 0;
}
