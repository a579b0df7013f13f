// The sign-in risk model (server/risk/) on synthetic sign-in histories: no servers, the pure
// model as a server would run it (bench/risk/evaluate.ts). Reports, per attacker kind, the share
// of takeover attempts stepped up or denied, and the share of genuine sign-ins stepped up, as a
// curve over thresholds and at the default thresholds; and the time score() takes.
//
// The defaults were tuned on the training seed (TRAINING_SEED, with bench/risk/tune.ts); this
// reports on another seed, people the model was never tuned on.
import { DEFAULT_OPTIONS } from '../../server/risk/options.ts';
import { evaluate } from '../risk/evaluate.ts';
import { DEFAULT_GENERATOR, generate, type GeneratorOptions } from '../risk/generate.ts';
import { ATTACK_KINDS, curve, pct, percentile, sharesAt } from '../risk/metrics.ts';
import type { Scenario } from '../scenario.ts';

export const TRAINING_SEED = 'risk-train-1';
export const EVALUATION_SEED = 'risk-eval-1';

/** Targets at the default threshold (the issue's): targeted attackers caught, genuine sign-ins stepped up. */
const TARGETS = { targetedCaught: 0.99, genuineSteppedUp: 0.02 };

export const riskScenario: Scenario = {
  name: 'risk',
  title: 'sign-in risk model on synthetic histories: takeovers caught, genuine step-ups, scoring time',
  async run({ settings, progress }) {
    const options: GeneratorOptions = settings.smoke
      ? { seed: EVALUATION_SEED, people: 60, days: 100, evaluateFrom: 40, attacksPerKind: 2 }
      : { ...DEFAULT_GENERATOR, seed: EVALUATION_SEED, people: settings.duration < 10 ? 500 : DEFAULT_GENERATOR.people };
    progress(`risk: generating ${options.people} people × ${options.days} days (seed ${options.seed})`, true);
    const events = generate(options);
    progress(`risk: scoring ${events.length} sign-ins`, true);
    const started = performance.now();
    const result = evaluate(events, options.evaluateFrom);
    const seconds = (performance.now() - started) / 1000;

    const scored = result.scored.filter((s) => s.evaluated);
    const { thresholds } = DEFAULT_OPTIONS;
    const at = sharesAt(scored, thresholds);
    const established = sharesAt(scored.filter((s) => s.history >= 10), thresholds);
    const grid = Array.from({ length: 29 }, (_, i) => Math.round((thresholds.stepUp - 3 + i * 0.5) * 100) / 100);
    const points = curve(scored, grid);
    const p50 = percentile(result.timings, 50) * 1000;
    const p99 = percentile(result.timings, 99) * 1000;
    const met = at.attackers.targeted.caught >= TARGETS.targetedCaught && at.genuine <= TARGETS.genuineSteppedUp;
    const genuine = scored.filter((s) => s.kind === 'genuine');
    const unknownDevice = genuine.filter((s) => !s.knownDevice).length / Math.max(1, genuine.length);
    const newNetwork = genuine.filter((s) => !s.knownNetwork).length / Math.max(1, genuine.length);
    const both = genuine.filter((s) => !s.knownDevice && !s.knownNetwork).length / Math.max(1, genuine.length);

    const notes = [
      `seed ${options.seed}: ${options.people} people, ${options.days} days, ${events.length} sign-in attempts; evaluated from day ${options.evaluateFrom}: ${at.genuineCount} genuine sign-ins, ` +
        ATTACK_KINDS.map((k) => `${at.attackers[k].count} ${k}`).join(', ') + ' takeover attempts (never recorded)',
      `at the default thresholds (step-up ${thresholds.stepUp}, deny ${thresholds.deny}):`,
      ...ATTACK_KINDS.map((k) => `  ${k.padEnd(8)} stepped up or denied ${pct(at.attackers[k].caught)} (denied ${pct(at.attackers[k].denied)}); accounts with 10+ sign-ins: ${pct(established.attackers[k].caught)}`),
      `  genuine  stepped up ${pct(at.genuine)} (denied ${pct(at.genuineDenied)}); accounts with 10+ sign-ins: ${pct(established.genuine)}`,
      `  target (targeted ≥ ${pct(TARGETS.targetedCaught)}, genuine ≤ ${pct(TARGETS.genuineSteppedUp)}): ${met ? 'met' : 'NOT met'}`,
      `genuine sign-ins from an unknown device ${pct(unknownDevice)}, from a network new to the account ${pct(newNetwork)}, both ${pct(both)} (a step-up there is the model working)`,
      `score(): p50 ${p50.toFixed(1)} µs, p99 ${p99.toFixed(1)} µs over ${result.timings.length} calls; ${seconds.toFixed(1)} s for score + record + prior of every sign-in`,
      `history JSON p50 ${percentile(result.historyBytes, 50)} B, max ${Math.max(...result.historyBytes)} B; prior ${result.priorBytes} B`,
      'step-up threshold → genuine stepped up / naive / vpn / targeted caught:',
      ...points.map((p) => `  ${p.threshold.toFixed(2).padStart(6)}  ${pct(p.genuine).padStart(7)}  ${pct(p.naive).padStart(7)}  ${pct(p.vpn).padStart(7)}  ${pct(p.targeted).padStart(7)}`),
    ];
    return {
      unit: '',
      rows: [],
      notes,
      data: {
        generator: options,
        thresholds,
        targets: TARGETS,
        targetsMet: met,
        atDefault: at,
        establishedAtDefault: established,
        curve: points,
        scoreMicroseconds: { p50, p99, calls: result.timings.length },
        historyBytes: { p50: percentile(result.historyBytes, 50), max: Math.max(...result.historyBytes) },
        priorBytes: result.priorBytes,
        genuineShares: { unknownDevice, newNetwork, both },
      },
    };
  },
};
