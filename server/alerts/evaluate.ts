// The alert rules as one function of a state, an event and a clock reading: the alerts to raise
// out, and the state updated. No I/O and no clock of its own: the same inputs always give the
// same outputs. The state is updated in place and returned (the caller owns one and keeps
// passing it): copying a full state for every event would cost milliseconds, updating it costs
// microseconds. To keep a snapshot, serialise it or structuredClone it.
//
// Times: the rules' windows and travel speeds go by the event's own `at` (when it happened, even
// if it arrives late); cool-downs, the alerts' `at` and sweeping go by `now`.
import type { AuditEvent } from '../audit/catalogue.ts';
import { ALERT_RULES, type Alert, type AlertRule } from '../audit/events-alerts.ts';
import type { RuleDefinition } from './rule.ts';
import { RULES } from './rules/index.ts';
import { memoryOf, sweep, type AlertState } from './state.ts';
import { clip } from './words.ts';
import type { Thresholds } from './thresholds.ts';

export interface Evaluation {
  state: AlertState;
  alerts: Alert[];
}

const rulesByEvent = new Map<string, RuleDefinition[]>();
for (const rule of RULES) for (const type of rule.on) rulesByEvent.set(type, [...(rulesByEvent.get(type) ?? []), rule]);
/** The event types some rule reads: all the rules ever need of the trail. */
export const ALERT_INPUT_TYPES: ReadonlySet<string> = new Set(rulesByEvent.keys());
const byName = new Map<string, RuleDefinition>(RULES.map((rule) => [rule.rule, rule]));
if (byName.size !== ALERT_RULES.length) throw new Error('alerts: every rule of the catalogue needs exactly one definition');

/** How long the cool-down stored under `rule|subject` lasts. */
function cooldownOf(thresholds: Thresholds) {
  return (key: string) => byName.get(key.slice(0, key.indexOf('|')))?.cooldownMs(thresholds) ?? 0;
}

export function evaluate(state: AlertState, event: AuditEvent, now: number, thresholds: Thresholds): Evaluation {
  if (now - state.sweptAt >= thresholds.limits.sweepEveryMs) sweep(state, now, thresholds, cooldownOf(thresholds));
  const rules = rulesByEvent.get(event.type);
  if (!rules) return { state, alerts: [] };
  const memory = memoryOf(state, thresholds.limits);
  const alerts: Alert[] = [];
  for (const rule of rules) {
    for (const { subject, ...finding } of rule.evaluate(event as never, { now, thresholds, memory })) {
      const key = `${rule.rule}|${subject}`;
      const last = memory.get('cooldowns', key);
      if (last !== undefined && now - last < rule.cooldownMs(thresholds)) continue;
      memory.set('cooldowns', key, now);
      alerts.push(fitted({ rule: rule.rule as AlertRule, severity: rule.severity, at: now, ...finding }));
    }
  }
  return { state, alerts };
}

/**
 * Alerts go to JSON and through a strict schema: absent rather than undefined, and texts cut to
 * the schema's lengths (a summary quotes a request path, which can be long).
 */
function fitted(alert: Alert): Alert {
  const evidence = Object.fromEntries(Object.entries(alert.evidence).map(([k, v]) => [k, typeof v === 'string' ? clip(v, 256) : v]));
  const out = { ...alert, summary: clip(alert.summary, 512), evidence };
  if (alert.personMessage !== undefined) out.personMessage = clip(alert.personMessage, 512);
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as Alert;
}
