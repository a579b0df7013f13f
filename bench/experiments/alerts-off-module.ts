// What bench/experiments/alerts-off.ts puts in place of server/alerts/runner.ts: the real module,
// with a runner that never polls.
import type { startAlerts as real } from '../../server/alerts/runner.ts';

export * from '../../server/alerts/runner.ts';

export const startAlerts: typeof real = () => ({ poll: async () => {}, stop: async () => {} });
