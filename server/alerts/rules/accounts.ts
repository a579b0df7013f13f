// Reading and writing an account's entry in the state, shared by the rules that keep one.
import type { AccountEntry, Memory } from '../state.ts';
import type { Thresholds } from '../thresholds.ts';

/** The account's entry, or a fresh one when it is new or was forgotten (unseen for too long). */
export function accountEntry(memory: Memory, sub: string, at: number, limits: Thresholds['limits']): AccountEntry {
  const entry = memory.get('accounts', sub);
  if (entry && at - entry.last < limits.accountMemoryMs) return entry;
  return { last: at, failures: [], signIns: 0, countries: [] };
}

export function putAccount(memory: Memory, sub: string, entry: AccountEntry, at: number) {
  memory.set('accounts', sub, { ...entry, last: Math.max(entry.last, at) });
}
