// What bench/experiments/audit-unstored.ts puts in place of server/audit/trail.ts: the real
// module, whose trail appends to nothing.
import { createAuditTrail as real } from '../../server/audit/trail.ts';

export * from '../../server/audit/trail.ts';

export const createAuditTrail: typeof real = (options) => real({ ...options, streams: { ...options.streams, append: async () => [] } });
