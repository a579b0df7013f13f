// The alert rules' public face, for the wiring: evaluate events, start from an empty state,
// configure thresholds, and record each alert as an audit event.
export { evaluate, type Evaluation } from './evaluate.ts';
export { emptyState, type AlertState } from './state.ts';
export { DEFAULT_THRESHOLDS, resolveThresholds, thresholdsSchema, type ThresholdOverrides, type Thresholds } from './thresholds.ts';
export { RULES } from './rules/index.ts';
export { alertRaisedEvent, type Alert, type AlertRule, type Severity } from '../audit/events-alerts.ts';
