// The report: a table on stdout (figure of merit, spread over rounds, latency, errors, ratio to
// the baseline) with each scenario's notes, and the whole run as JSON under bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ScenarioResult } from './scenario.ts';

export interface RunReport {
  startedAt: string;
  finishedAt: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  scenarios: ScenarioResult[];
}

const pad = (value: string, width: number, right = false) => (right ? value.padStart(width) : value.padEnd(width));

function spread(rounds: number[]): string {
  if (rounds.length < 2) return '';
  const min = Math.min(...rounds);
  const max = Math.max(...rounds);
  const mid = rounds.reduce((s, v) => s + v, 0) / rounds.length;
  return mid ? `±${((50 * (max - min)) / mid).toFixed(1)}%` : '';
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

export function formatTable(scenarios: ScenarioResult[]): string {
  // cpu µs: the server's CPU time per request (every part's requests) in the median round.
  const header = ['scenario', 'target', 'rate', 'unit', 'spread', 'p50 ms', 'p99 ms', 'errors', 'cpu µs', 'ratio'];
  const widths = [16, 9, 9, 9, 7, 7, 7, 7, 7, 7];
  const right = [false, false, true, false, true, true, true, true, true, true];
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!, right[i])).join('  ');
  const out = [line(header), line(widths.map((w) => '-'.repeat(w)))];
  for (const s of scenarios) {
    if (s.error) {
      out.push(line([s.name, 'FAILED', '', '', '', '', '', '', '', '']) + `  ${s.error.split('\n')[0]}`);
      continue;
    }
    // The latchkey ÷ baseline ratio sits on the last row that is not a variant.
    const lastPlain = s.rows.map((r) => s.variants?.[r.target] === undefined).lastIndexOf(true);
    s.rows.forEach((row, i) => {
      const isLast = i === lastPlain;
      out.push(
        line([
          i === 0 ? s.name : '',
          row.target,
          fmt(row.rps),
          s.unit,
          spread(row.rounds),
          String(row.p50),
          String(row.p99),
          String(row.errors),
          row.parts[0]?.extra.cpuUsPerRequest !== undefined ? String(row.parts[0].extra.cpuUsPerRequest) : '',
          s.variants?.[row.target] !== undefined ? s.variants[row.target]!.toFixed(3) : isLast && s.ratio !== undefined ? s.ratio.toFixed(3) : '',
        ]),
      );
    });
    if (!s.rows.length) out.push(line([s.name, '-', '', '', '', '', '', '', '', '']));
  }
  return out.join('\n');
}

export function formatNotes(scenarios: ScenarioResult[]): string {
  return scenarios
    .filter((s) => s.notes.length || s.error)
    .map((s) => [`${s.name} — ${s.title}`, ...(s.error ? [`  FAILED: ${s.error}`] : []), ...s.notes.map((n) => `  ${n}`)].join('\n'))
    .join('\n');
}

export function writeReport(report: RunReport, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
}
