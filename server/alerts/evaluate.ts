// The alert rules as one pure function: a state, an event and a clock reading in; the next state
// and the alerts to raise out. No I/O and no clock of its own, so the same inputs always give the
// same outputs; the state given is never changed (see draftOf).
//
// Times: the rules' windows and travel speeds go by the event's own `at` (when it happened, even
// if it arrives late); cool-downs, the alerts' `at` and sweeping go by `now`.
import type { AuditEvent } from '../audit/catalogue.ts';
import { ALERT_RULES, type Alert, type AlertRule } from '../audit/events-alerts.ts';
import type { RuleDefinition } from './rule.ts';
import { RULES } from './rules/index.ts';
import { draftOf, sweep, type AlertState } from './state.ts';
import type { Thresholds } from './thresholds.ts';

export interface Evaluation {
  state: AlertState;
  alerts: Alert[];
}

const rulesByEvent = new Map<string, RuleDefinition[]>();
for (const rule of RULES) for (const type of rule.on) rulesByEvent.set(type, [...(rulesByEvent.get(type) ?? []), rule]);
const byName = new Map<string, RuleDefinition>(RULES.map((rule) => [rule.rule, rule]));
if (byName.size !== ALERT_RULES.length) throw new Error('alerts: every rule of the catalogue needs exactly one definition');

/** How long the cool-down stored under `rule|subject` lasts. */
function cooldownOf(thresholds: Thresholds) {
  return (key: string) => byName.get(key.slice(0, key.indexOf('|')))?.cooldownMs(thresholds) ?? 0;
}

export function evaluate(state: AlertState, event: AuditEvent, now: number, thresholds: Thresholds): Evaluation {
  const swept = now - state.sweptAt >= thresholds.limits.sweepEveryMs ? sweep(state, now, thresholds, cooldownOf(thresholds)) : state;
  const rules = rulesByEvent.get(event.type);
  if (!rules) return { state: swept, alerts: [] };
  const draft = draftOf(swept, thresholds.limits);
  const alerts: Alert[] = [];
  for (const rule of rules) {
    for (const { subject, ...finding } of rule.evaluate(event as never, { now, thresholds, draft })) {
      const key = `${rule.rule}|${subject}`;
      const last = draft.get('cooldowns', key);
      if (last !== undefined && now - last < rule.cooldownMs(thresholds)) continue;
      draft.set('cooldowns', key, now);
      alerts.push(withoutUndefined({ rule: rule.rule as AlertRule, severity: rule.severity, at: now, ...finding }));
    }
  }
  return { state: draft.finish(), alerts };
}

/** Alerts go to JSON and through a strict schema: absent, not undefined. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
