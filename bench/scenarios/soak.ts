// The soak (--soak, not in the default run): Latchkey under the mixed workload at 80% of the
// throughput it peaks at, for several minutes, sampling its RSS every segment. A leak shows as
// a slope; an error under steady load is a bug.
import { runOnce, type Part } from '../load.ts';
import type { Scenario } from '../scenario.ts';
import { introspectionPart } from './endpoints.ts';
import { loginPart } from './login.ts';
import { refreshPart } from './refresh.ts';

const MB = 1024 * 1024;
const SEGMENT_S = 30;

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den ? num / den : 0;
}

export const soakScenario: Scenario = {
  name: 'soak',
  title: 'soak: mixed workload at 80% of peak, RSS over time (Latchkey)',
  optIn: true,
  async run({ targets, settings, pools, redis, progress }) {
    const target = targets.find((t) => t.name === 'latchkey');
    if (!target) return { unit: '', rows: [], notes: ['needs the latchkey target'] };
    const half = Math.max(1, Math.floor(settings.connections / 2));
    const parts = async (rates?: number[]): Promise<Part[]> => [
      { ...refreshPart(target, pools(target), half, redis), overallRate: rates?.[0] },
      { ...(await introspectionPart(target, pools(target), settings, half)), overallRate: rates?.[1] },
      loginPart(target, 1, 8),
    ];

    progress('soak: measuring peak', true);
    const peak = await runOnce(target, await parts(), { duration: Math.max(10, settings.duration) }, progress, 'soak peak:');
    const rates = peak.slice(0, 2).map((p) => Math.max(1, Math.round(p.rps * 0.8)));
    const steady = await parts(rates);

    const segments = Math.max(1, Math.round((settings.soakMinutes * 60) / SEGMENT_S));
    const started = Date.now();
    const samples: { minute: number; rssMB: number; rps: number; errors: number }[] = [{ minute: 0, rssMB: (target.rss() ?? 0) / MB, rps: 0, errors: 0 }];
    for (let i = 0; i < segments; i++) {
      const results = await runOnce(target, steady, { duration: SEGMENT_S }, progress, `soak ${i + 1}/${segments}:`);
      const sample = {
        minute: (Date.now() - started) / 60_000,
        rssMB: (target.rss() ?? 0) / MB,
        rps: results.reduce((s, r) => s + r.rps, 0),
        errors: results.reduce((s, r) => s + r.errors, 0),
      };
      samples.push(sample);
      progress(`soak ${i + 1}/${segments}: ${sample.rps.toFixed(0)} req/s, RSS ${sample.rssMB.toFixed(0)} MB, errors ${sample.errors}`);
    }
    const secondHalf = samples.slice(Math.floor(samples.length / 2)).map((s) => [s.minute, s.rssMB] as [number, number]);
    const mbPerMinute = slope(secondHalf);
    const errors = samples.reduce((s, x) => s + x.errors, 0);
    const rss = samples.map((s) => s.rssMB);
    return {
      unit: 'req/s',
      rows: [],
      notes: [
        `peak ${peak.map((p) => `${p.label} ${p.rps.toFixed(0)}/s`).join(', ')}; soak at ${rates.join(' + ')} req/s (+ ~1 login/s) for ${settings.soakMinutes} min`,
        `RSS ${rss[0]!.toFixed(0)} → ${rss.at(-1)!.toFixed(0)} MB (max ${Math.max(...rss).toFixed(0)}), slope over the second half ${mbPerMinute.toFixed(2)} MB/min; errors ${errors}`,
      ],
      data: { peak, rates, samples, mbPerMinute, errors },
    };
  },
};
