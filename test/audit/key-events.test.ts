// Key rotation plans as audit events: each transition of the real state machine becomes the
// event it stands for, and every one of them validates.
import { expect } from 'chai';
import { parseAuditEvent } from '../../server/audit/catalogue.ts';
import { keyEvents } from '../../server/audit/key-events.ts';
import { SIGNING_ALGS, type SigningAlg, type StoredKey } from '../../server/keys/keyset.ts';
import { initialKeyset, revoke, rotate, rotateNow, type FreshKeys } from '../../server/keys/rotation.ts';

const HOUR = 3_600_000;
const policy = { prePublicationMs: 24 * HOUR, retentionMs: 2 * HOUR, cookieRetentionMs: 24 * HOUR };
let serial = 0;
const key = (alg: SigningAlg, at: number): StoredKey => ({
  kid: `${alg}-${++serial}`, alg, state: 'next', createdAt: at, publicJwk: {}, privateJwk: { kek: 'k', iv: '', tag: '', data: '' },
});
const fresh = (at: number): FreshKeys => Object.fromEntries(SIGNING_ALGS.map((alg) => [alg, key(alg, at)])) as FreshKeys;
const system = { kind: 'system' as const, component: 'key-rotation' };
const admin = { kind: 'admin' as const, id: 'admin-token' };

describe('key rotation audit events', () => {
  const t0 = Date.UTC(2026, 0, 5, 3);
  const start = initialKeyset(t0, fresh(t0), fresh(t0), 'c1');

  it('a scheduled rotation: the old signer retired, the next promoted, a fresh one staged', () => {
    const at = t0 + 24 * HOUR;
    const plan = rotate(start, at, policy, fresh(at), 'c2');
    const events = keyEvents({ kind: 'scheduled' }, plan.transitions, { at, actor: system });
    const each = (type: string) => SIGNING_ALGS.map(() => type);
    expect(events.map((e) => e.type).sort()).to.deep.equal([...each('key.promoted'), ...each('key.retired'), ...each('key.staged')]);
    expect(events.filter((e) => e.type === 'key.promoted').every((e) => e.type === 'key.promoted' && !e.emergency)).to.equal(true);
    for (const event of events) expect(parseAuditEvent(event), event.type).to.include({ ok: true });
  });

  it('a retired key past retention is removed', () => {
    const once = rotate(start, t0 + 24 * HOUR, policy, fresh(t0), 'c2').keyset;
    const plan = rotate(once, t0 + 26 * HOUR, policy, fresh(t0), 'c3');
    const events = keyEvents({ kind: 'scheduled' }, plan.transitions, { at: t0 + 26 * HOUR, actor: system });
    expect(events.filter((e) => e.type === 'key.removed')).to.have.length(SIGNING_ALGS.length);
  });

  it('rotate --now promotes as an emergency', () => {
    const plan = rotateNow(start, t0 + HOUR, policy, fresh(t0), 'c2');
    const events = keyEvents({ kind: 'rotate-now' }, plan.transitions, { at: t0 + HOUR, actor: admin, requestId: 'r1' });
    const promoted = events.filter((e) => e.type === 'key.promoted');
    expect(promoted).to.have.length(SIGNING_ALGS.length);
    expect(promoted.every((e) => e.type === 'key.promoted' && e.emergency)).to.equal(true);
  });

  it('a revocation names the revoked key key.revoked, with whether it was signing, and promotes a replacement', () => {
    const signer = start.keys.find((k) => k.alg === 'ES256' && k.state === 'current')!;
    const plan = revoke(start, signer.kid, t0 + HOUR, fresh(t0));
    const events = keyEvents({ kind: 'revoke', kid: signer.kid }, plan.transitions, { at: t0 + HOUR, actor: admin });
    expect(events).to.deep.include({ type: 'key.revoked', version: 1, at: t0 + HOUR, actor: admin, kid: signer.kid, alg: 'ES256', wasSigning: true });
    expect(events.some((e) => e.type === 'key.promoted' && e.emergency)).to.equal(true);
    for (const event of events) expect(parseAuditEvent(event), event.type).to.include({ ok: true });
  });

  it('refuses a revocation not made by an admin', () => {
    expect(() => keyEvents({ kind: 'revoke', kid: 'k' }, [], { at: 1, actor: system })).to.throw(TypeError);
  });
});
