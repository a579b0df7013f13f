// The rotation state machine, on a fake clock: every transition and its time boundaries.
import { expect } from 'chai';
import { SIGNING_ALGS, type SigningAlg, type StoredKey, type StoredKeyset } from '../../server/keys/keyset.ts';
import { initialKeyset, withEveryAlg, isDue, revoke, rotate, rotateNow, KeyNotFoundError, stageNext, type FreshKeys, type RotationPolicy } from '../../server/keys/rotation.ts';

const HOUR = 3_600_000;
const policy: RotationPolicy = { prePublicationMs: 24 * HOUR, retentionMs: 2 * HOUR, cookieRetentionMs: 14 * 24 * HOUR };

let serial = 0;
function key(alg: SigningAlg, at: number): StoredKey {
  const kid = `${alg}-${++serial}`;
  return { kid, alg, state: 'next', createdAt: at, publicJwk: { kid }, privateJwk: { kek: 'k', iv: '', tag: '', data: '' } };
}
const fresh = (at: number): FreshKeys => Object.fromEntries(SIGNING_ALGS.map((alg) => [alg, key(alg, at)])) as FreshKeys;
const states = (keyset: StoredKeyset, alg: SigningAlg = 'ES256') =>
  keyset.keys.filter((k) => k.alg === alg).map((k) => `${k.kid}:${k.state}`);
const signer = (keyset: StoredKeyset, alg: SigningAlg) => keyset.keys.filter((k) => k.alg === alg && k.state === 'current');

describe('key rotation state machine', () => {
  const t0 = Date.UTC(2026, 0, 5, 3);
  let start: StoredKeyset;
  let current: Record<SigningAlg, StoredKey>;
  let next: Record<SigningAlg, StoredKey>;
  beforeEach(() => {
    current = fresh(t0);
    next = fresh(t0);
    start = initialKeyset(t0, current, next, 'cookie-1');
  });

  it('starts with a current and a published next key per algorithm, and a cookie key', () => {
    expect(states(start)).to.deep.equal([`${current.ES256.kid}:current`, `${next.ES256.kid}:next`]);
    expect(states(start, 'RS256')).to.deep.equal([`${current.RS256.kid}:current`, `${next.RS256.kid}:next`]);
    expect(start.cookieKeys.map((k) => k.id)).to.deep.equal(['cookie-1']);
    expect(start.version).to.equal(1);
  });

  it('gives a keyset stored before an algorithm was offered a current and a next key for it, and leaves the rest', () => {
    const old: StoredKeyset = { ...start, keys: start.keys.filter((k) => k.alg === 'ES256' || k.alg === 'RS256') };
    const later = t0 + HOUR;
    const upgraded = withEveryAlg(old, later, fresh(later), fresh(later));
    expect(upgraded.version).to.equal(old.version + 1);
    for (const alg of SIGNING_ALGS) expect(signer(upgraded, alg), alg).to.have.length(1);
    expect(upgraded.keys.filter((k) => k.alg === 'PS256').map((k) => k.state).sort()).to.deep.equal(['current', 'next']);
    expect(upgraded.keys.filter((k) => k.alg === 'ES256' || k.alg === 'RS256')).to.deep.equal(old.keys);
    expect(withEveryAlg(upgraded, later, fresh(later), fresh(later))).to.equal(upgraded);
  });

  it('does not promote a next key before the pre-publication window has passed', () => {
    const plan = rotate(start, t0 + 24 * HOUR - 1, policy, fresh(t0), 'cookie-2');
    expect(signer(plan.keyset, 'ES256').map((k) => k.kid)).to.deep.equal([current.ES256.kid]);
    expect(plan.transitions).to.deep.equal([]);
    expect(plan.keyset.version).to.equal(2);
  });

  it('promotes next → current and current → previous at the window, and stages a fresh next', () => {
    const at = t0 + 24 * HOUR;
    const staged = fresh(at);
    const plan = rotate(start, at, policy, staged, 'cookie-2', at);
    expect(states(plan.keyset)).to.have.members([`${current.ES256.kid}:previous`, `${next.ES256.kid}:current`, `${staged.ES256.kid}:next`]);
    expect(plan.transitions).to.deep.include({ kid: current.ES256.kid, alg: 'ES256', from: 'current', to: 'previous' });
    expect(plan.transitions).to.deep.include({ kid: next.ES256.kid, alg: 'ES256', from: 'next', to: 'current' });
    expect(plan.transitions).to.deep.include({ kid: staged.ES256.kid, alg: 'ES256', from: 'none', to: 'next' });
    const retired = plan.keyset.keys.find((k) => k.kid === current.ES256.kid)!;
    expect(retired.retiredAt).to.equal(at);
    expect(plan.keyset.keys.find((k) => k.kid === next.ES256.kid)!.promotedAt).to.equal(at);
    expect(plan.keyset.lastRotationAt).to.equal(at);
  });

  it('keeps a previous key until every token it signed has expired, then removes it', () => {
    const at = t0 + 24 * HOUR;
    const once = rotate(start, at, policy, fresh(at), 'c2').keyset;
    const early = rotate(once, at + policy.retentionMs - 1, policy, fresh(at), 'c3');
    expect(early.keyset.keys.some((k) => k.kid === current.ES256.kid)).to.equal(true);
    const late = rotate(once, at + policy.retentionMs, policy, fresh(at), 'c3');
    expect(late.keyset.keys.some((k) => k.kid === current.ES256.kid)).to.equal(false);
    expect(late.transitions).to.deep.include({ kid: current.ES256.kid, alg: 'ES256', from: 'previous', to: 'removed' });
  });

  it('rotates cookie keys newest first and keeps them while a session could still be alive', () => {
    const a = rotate(start, t0 + HOUR, policy, fresh(t0), 'cookie-2').keyset;
    expect(a.cookieKeys.map((k) => k.id)).to.deep.equal(['cookie-2', 'cookie-1']);
    expect(a.cookieKeys[1]!.retiredAt).to.equal(t0 + HOUR);
    const b = rotate(a, t0 + HOUR + policy.cookieRetentionMs - 1, policy, fresh(t0), 'cookie-3').keyset;
    expect(b.cookieKeys.map((k) => k.id)).to.deep.equal(['cookie-3', 'cookie-2', 'cookie-1']);
    const c = rotate(b, t0 + HOUR + policy.cookieRetentionMs, policy, fresh(t0), 'cookie-4').keyset;
    expect(c.cookieKeys.map((k) => k.id)).to.not.include('cookie-1');
  });

  it('rotates now: fresh keys sign at once, the old signer stays published as previous', () => {
    const now = fresh(t0 + HOUR);
    const plan = rotateNow(start, t0 + HOUR, policy, now, 'cookie-2');
    expect(signer(plan.keyset, 'ES256').map((k) => k.kid)).to.deep.equal([now.ES256.kid]);
    expect(signer(plan.keyset, 'RS256').map((k) => k.kid)).to.deep.equal([now.RS256.kid]);
    expect(plan.keyset.keys.find((k) => k.kid === current.ES256.kid)!.state).to.equal('previous');
    expect(plan.keyset.keys.some((k) => k.kid === next.ES256.kid)).to.equal(false);
  });

  it('stages next keys without changing the signer', () => {
    const staged = fresh(t0 + HOUR);
    const plan = stageNext(start, t0 + HOUR, staged);
    expect(signer(plan.keyset, 'ES256').map((k) => k.kid)).to.deep.equal([current.ES256.kid]);
    expect(states(plan.keyset)).to.include(`${staged.ES256.kid}:next`);
    expect(states(plan.keyset)).to.not.include(`${next.ES256.kid}:next`);
  });

  it('revokes a signing key: removed at once, its next key signs instead', () => {
    const plan = revoke(start, current.ES256.kid, t0 + HOUR, fresh(t0 + HOUR));
    expect(plan.keyset.keys.some((k) => k.kid === current.ES256.kid)).to.equal(false);
    expect(signer(plan.keyset, 'ES256').map((k) => k.kid)).to.deep.equal([next.ES256.kid]);
    expect(signer(plan.keyset, 'RS256').map((k) => k.kid)).to.deep.equal([current.RS256.kid]);
  });

  it('revokes a signing key with no next key: a fresh key signs immediately', () => {
    const withoutNext = revoke(start, next.ES256.kid, t0, fresh(t0)).keyset;
    const replacement = fresh(t0 + HOUR);
    const plan = revoke(withoutNext, current.ES256.kid, t0 + HOUR, replacement);
    expect(signer(plan.keyset, 'ES256').map((k) => k.kid)).to.deep.equal([replacement.ES256.kid]);
  });

  it('revokes a next or previous key without touching the signer, and refuses an unknown kid', () => {
    const plan = revoke(start, next.RS256.kid, t0, fresh(t0));
    expect(signer(plan.keyset, 'RS256').map((k) => k.kid)).to.deep.equal([current.RS256.kid]);
    expect(plan.keyset.keys).to.have.length(start.keys.length - 1);
    expect(() => revoke(start, 'nope', t0, fresh(t0))).to.throw(KeyNotFoundError, /no key with kid nope/);
  });

  it('runs a schedule slot once, and catches up once on slots missed during downtime', () => {
    expect(isDue(start, undefined)).to.equal(false);
    expect(isDue(start, t0 - 1)).to.equal(false); // the slot before the keyset existed
    const slot = t0 + 7 * 24 * HOUR;
    expect(isDue(start, slot)).to.equal(true);
    const rotated = rotate(start, slot + 5 * 60_000, policy, fresh(slot), 'c', slot).keyset;
    expect(isDue(rotated, slot)).to.equal(false);
    // Down for three weeks: only the latest slot is due, and once.
    const latest = slot + 21 * 24 * HOUR;
    expect(isDue(rotated, latest)).to.equal(true);
    const caughtUp = rotate(rotated, latest + 1000, policy, fresh(latest), 'c', latest).keyset;
    expect(isDue(caughtUp, latest)).to.equal(false);
  });

  it('always leaves every algorithm exactly one signer, and a published next after a scheduled run', () => {
    let keyset = start;
    let at = t0;
    for (let i = 0; i < 20; i++) {
      at += 13 * HOUR;
      const emergency = i % 5 === 4;
      keyset = (emergency ? rotateNow(keyset, at, policy, fresh(at), `c${i}`) : rotate(keyset, at, policy, fresh(at), `c${i}`)).keyset;
      for (const alg of ['ES256', 'RS256'] as const) {
        expect(signer(keyset, alg), `step ${i}`).to.have.length(1);
        expect(keyset.keys.filter((k) => k.alg === alg && k.state === 'next'), `step ${i}`).to.have.length(emergency ? 0 : 1);
      }
    }
  });
});
