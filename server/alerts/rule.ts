// The shape of one alert rule: which events it reads, what it remembers (through the memory
// state), what it reports, and how it explains itself in the docs.
import type { AuditEventOf, AuditEventType } from '../audit/catalogue.ts';
import type { Alert, AlertRule, Severity } from '../audit/events-alerts.ts';
import type { Memory } from './state.ts';
import type { Thresholds } from './thresholds.ts';

export interface RuleContext {
  now: number;
  thresholds: Thresholds;
  memory: Memory;
}

/** An alert a rule would raise, before the cool-down decides. */
export interface Finding extends Omit<Alert, 'rule' | 'severity' | 'at'> {
  /** What the cool-down is kept per: the same subject does not alert again within it. */
  subject: string;
}

export interface RuleDefinition<T extends AuditEventType = AuditEventType> {
  rule: AlertRule;
  severity: Severity;
  /** What it detects, for the docs. */
  description: string;
  /** Its default thresholds in words, for the docs. */
  thresholdsInWords(thresholds: Thresholds): string;
  cooldownMs(thresholds: Thresholds): number;
  on: readonly T[];
  evaluate(event: AuditEventOf<T>, context: RuleContext): Finding[];
}

/** Keeps the event type of `on` and `evaluate` together while the list of rules stays plain. */
export function defineRule<T extends AuditEventType>(rule: RuleDefinition<T>): RuleDefinition {
  return rule as unknown as RuleDefinition;
}
