// Audit events of a key rotation plan, for the key manager to record after it stores the plan:
// each transition of server/keys/rotation.ts becomes one event.
//   none → next: key.staged     next → current: key.promoted     current → previous: key.retired
//   any → removed: key.removed, or key.revoked for the key a revocation names
import type { Transition } from '../keys/rotation.ts';
import type { AuditEventOf } from './catalogue.ts';

type KeyEvent = AuditEventOf<'key.staged' | 'key.promoted' | 'key.retired' | 'key.removed' | 'key.revoked'>;

export type KeyOperation =
  | { kind: 'scheduled' }
  | { kind: 'stage' } // keys rotate
  | { kind: 'rotate-now' } // keys rotate --now
  | { kind: 'revoke'; kid: string }; // keys revoke --kid

export interface KeyEventBase {
  at: number;
  actor: { kind: 'system'; component: string } | { kind: 'admin'; id: string };
  requestId?: string;
}

export function keyEvents(operation: KeyOperation, transitions: readonly Transition[], base: KeyEventBase): KeyEvent[] {
  // A revocation is always an admin's act (POST /admin/keys/revoke); the rest may be the schedule's.
  if (operation.kind === 'revoke' && base.actor.kind !== 'admin') throw new TypeError('a key revocation is made by an admin');
  const emergency = operation.kind === 'rotate-now' || operation.kind === 'revoke';
  return transitions.map(({ kid, alg, from, to }): KeyEvent => {
    const common = { version: 1 as const, ...base, kid, alg };
    if (operation.kind === 'revoke' && kid === operation.kid && to === 'removed') {
      return { ...common, actor: base.actor as { kind: 'admin'; id: string }, type: 'key.revoked', wasSigning: from === 'current' };
    }
    if (to === 'next') return { ...common, type: 'key.staged' };
    if (to === 'current') return { ...common, type: 'key.promoted', emergency };
    if (to === 'previous') return { ...common, type: 'key.retired' };
    return { ...common, type: 'key.removed' };
  });
}
