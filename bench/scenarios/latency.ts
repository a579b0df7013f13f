// Latency under load, not only closed-loop throughput: per token path and server, its peak (as
// fast as answered, the configured connections), then a fixed request rate at 50% and at 90% of
// that peak (autocannon's overallRate over 4× the connections, so a slow answer does not slow
// the senders down much: close to an open loop), with p50 and p99 at each.
import { OPAQUE_API } from '../fixtures.ts';
import { runOnce, type Part } from '../load.ts';
import { tokenRequest, type Pools, type Scenario, type Settings } from '../scenario.ts';
import type { Target } from '../servers.ts';
import { introspectionPart, userinfoPart } from './endpoints.ts';
import { refreshPart } from './refresh.ts';

const LOADS = [0.5, 0.9];

type PartFor = (target: Target, pools: Pools, settings: Settings, connections: number) => Promise<Part> | Part;

const PATHS: [string, PartFor][] = [
  ['cc-opaque', (target, _pools, _settings, connections) => ({ label: 'token', connections, requests: [tokenRequest(target.fixtures.service, { grant_type: 'client_credentials', resource: OPAQUE_API, scope: 'read' })] })],
  ['introspection', (target, pools, settings, connections) => introspectionPart(target, pools, settings, connections)],
  ['userinfo', (target, pools, settings, connections) => userinfoPart(target, pools, settings, connections)],
  ['refresh', (target, pools, _settings, connections) => refreshPart(target, pools, connections)],
];

export interface LatencyRow {
  path: string;
  target: string;
  peak: number;
  /** By load (0.5, 0.9): the rate asked, the rate answered, p50, p99 (ms), errors. */
  at: { load: number; rate: number; answered: number; p50: number; p99: number; errors: number }[];
}

export const latencyScenario: Scenario = {
  name: 'latency',
  title: 'p50/p99 of each token path at 50% and 90% of its peak (fixed rate)',
  async run({ targets, settings, progress, pools }) {
    const table: LatencyRow[] = [];
    const limits = { duration: settings.duration, amount: settings.amount };
    for (const [path, partFor] of PATHS) {
      for (const target of targets) {
        const closed = await partFor(target, pools(target), settings, settings.connections);
        const [peakRun] = await runOnce(target, [closed], limits, progress, `latency · ${path} · ${target.name} · peak:`);
        const peak = peakRun!.rps;
        const row: LatencyRow = { path, target: target.name, peak, at: [] };
        for (const load of LOADS) {
          const rate = Math.max(1, Math.round(peak * load));
          const open = await partFor(target, pools(target), settings, settings.connections * 4);
          const [run] = await runOnce(target, [{ ...open, overallRate: rate }], limits, progress, `latency · ${path} · ${target.name} · ${load * 100}%:`);
          row.at.push({ load, rate, answered: run!.rps, p50: run!.p50, p99: run!.p99, errors: run!.errors });
        }
        progress(`latency · ${path} · ${target.name}: peak ${peak.toFixed(0)}/s; ${row.at.map((a) => `${a.load * 100}%: p50 ${a.p50} ms, p99 ${a.p99} ms`).join('; ')}`);
        table.push(row);
      }
    }
    const notes = table.map(
      (r) => `${r.path.padEnd(14)} ${r.target.padEnd(9)} peak ${r.peak.toFixed(0).padStart(6)}/s  ` + r.at.map((a) => `${a.load * 100}% (${a.rate}/s asked, ${a.answered.toFixed(0)}/s answered): p50 ${a.p50} ms, p99 ${a.p99} ms${a.errors ? `, ${a.errors} errors` : ''}`).join('   '),
    );
    return { unit: 'req/s', rows: [], notes, data: { latency: table } };
  },
};
