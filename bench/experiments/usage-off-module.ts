// What bench/experiments/usage-off.ts puts in place of server/account/usage.ts: the real module,
// with granted() and introspected() doing nothing.
import { grantUsage as real } from '../../server/account/usage.ts';

export * from '../../server/account/usage.ts';

export const grantUsage: typeof real = (...args) => ({ ...real(...args), granted() {}, introspected() {} });
