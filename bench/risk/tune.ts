// Tuning aid, run by hand on the training seed (never the evaluation seed):
//   node bench/risk/tune.ts [--seed risk-train-1] [--people 2000] [--days 240]
// prints the threshold curve, where genuine step-ups come from (context, strongest factors) and
// which attacks pass at the default threshold.
import { parseArgs } from 'node:util';
import { riskOptions, type RiskOverrides } from '../../server/risk/options.ts';
import { evaluate } from './evaluate.ts';
import { DEFAULT_GENERATOR, generate } from './generate.ts';
import { ATTACK_KINDS, curve, pct, percentile, sharesAt } from './metrics.ts';

const { values } = parseArgs({ options: { seed: { type: 'string' }, people: { type: 'string' }, days: { type: 'string' }, 'min-history': { type: 'string' }, options: { type: 'string' } } });
const model = riskOptions(JSON.parse(values.options ?? '{}') as RiskOverrides);
const options = { ...DEFAULT_GENERATOR, seed: values.seed ?? 'risk-train-1', people: Number(values.people ?? DEFAULT_GENERATOR.people), days: Number(values.days ?? DEFAULT_GENERATOR.days) };
const t0 = performance.now();
const events = generate(options);
const t1 = performance.now();
const result = evaluate(events, options.evaluateFrom, model);
const t2 = performance.now();
const minHistory = Number(values['min-history'] ?? 0);
const scored = result.scored.filter((s) => s.evaluated && s.history >= minHistory);
process.stdout.write(`${events.length} events (${(t1 - t0).toFixed(0)} ms to generate, ${(t2 - t1).toFixed(0)} ms to evaluate); scored in window: ${scored.length}\n`);
process.stdout.write(`score p50 ${(percentile(result.timings, 50) * 1000).toFixed(1)} µs, p99 ${(percentile(result.timings, 99) * 1000).toFixed(1)} µs; history bytes p50 ${percentile(result.historyBytes, 50)} max ${Math.max(...result.historyBytes)}; prior ${result.priorBytes}\n\n`);
process.stdout.write('threshold  genuine   naive     vpn       targeted\n');
for (const p of curve(scored, [...Array.from({ length: 17 }, (_, i) => i * 0.25 - 2), ...Array.from({ length: 12 }, (_, i) => 3 + i)])) {
  process.stdout.write(`${p.threshold.toFixed(1).padStart(9)}  ${pct(p.genuine).padEnd(8)}  ${pct(p.naive).padEnd(8)}  ${pct(p.vpn).padEnd(8)}  ${pct(p.targeted)}\n`);
}
const at = sharesAt(scored, model.thresholds, model.firstSignIn);
process.stdout.write(`\nat default ${JSON.stringify(model.thresholds)}: genuine ${pct(at.genuine)} (denied ${pct(at.genuineDenied)}) ` + ATTACK_KINDS.map((k) => `${k} ${pct(at.attackers[k].caught)} (denied ${pct(at.attackers[k].denied)})`).join(' ') + '\n');

const stepped = scored.filter((s) => s.kind === 'genuine' && s.history > 0 && s.score >= model.thresholds.stepUp);
const byContext = new Map<string, number>();
for (const s of stepped) byContext.set(s.context ?? '?', (byContext.get(s.context ?? '?') ?? 0) + 1);
const contexts = new Map<string, number>();
for (const s of scored.filter((x) => x.kind === 'genuine')) contexts.set(s.context ?? '?', (contexts.get(s.context ?? '?') ?? 0) + 1);
process.stdout.write('\ngenuine step-ups by context (stepped / all in context):\n');
for (const [context, n] of [...byContext].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${context.padEnd(14)} ${n} / ${contexts.get(context)}\n`);
const sumFactors = (list: typeof scored) => {
  const sums = new Map<string, number>();
  for (const s of list) for (const f of s.factors) sums.set(f.feature, (sums.get(f.feature) ?? 0) + f.logRatio / list.length);
  return [...sums].sort((a, b) => b[1] - a[1]).map(([f, v]) => `${f} ${v.toFixed(2)}`).join(', ');
};
process.stdout.write(`\nmean factors of genuine step-ups: ${sumFactors(stepped)}\n`);
for (const kind of ATTACK_KINDS) {
  const missed = scored.filter((s) => s.kind === kind && s.score < model.thresholds.stepUp);
  process.stdout.write(`${kind}: ${missed.length} missed; mean factors: ${sumFactors(missed)}\n`);
  process.stdout.write(`  all ${kind}: ${sumFactors(scored.filter((s) => s.kind === kind))}\n`);
}
process.stdout.write(`genuine all: ${sumFactors(scored.filter((s) => s.kind === 'genuine'))}\n`);
