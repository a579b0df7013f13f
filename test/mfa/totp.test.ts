// TOTP decisions on a clock of the test's choosing: the ±1 step window and replay refusal.
import { expect } from 'chai';
import { checkTotp, newTotpSecret, normalizeTotpCode, otpauthUri, PERIOD_SECONDS, stepOf, totpCode } from '../../server/mfa/totp.ts';

const secret = newTotpSecret();
const T = Date.UTC(2026, 11, 2, 12, 0, 10);
const step = PERIOD_SECONDS * 1000;

describe('TOTP (RFC 6238) decisions', () => {
  it('matches the RFC 6238 test vector (SHA-1, 59 s → 94287082, last six digits)', () => {
    // The RFC's secret is the ASCII "12345678901234567890"; in base32:
    const rfc = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    expect(totpCode(rfc, 59_000)).to.equal('287082');
    expect(checkTotp({ secretBase32: rfc, code: '287082', nowMs: 59_000 })).to.deep.equal({ ok: true, step: 1 });
  });

  it('accepts the code of this step and of one step either side, and nothing further', () => {
    for (const offset of [-1, 0, 1]) {
      expect(checkTotp({ secretBase32: secret, code: totpCode(secret, T + offset * step), nowMs: T })).to.deep.equal({ ok: true, step: stepOf(T) + offset });
    }
    for (const offset of [-2, 2]) expect(checkTotp({ secretBase32: secret, code: totpCode(secret, T + offset * step), nowMs: T })).to.deep.equal({ ok: false, reason: 'wrong' });
  });

  it('refuses a code of the last step used, or of any earlier one, as replayed', () => {
    const code = totpCode(secret, T);
    const first = checkTotp({ secretBase32: secret, code, nowMs: T });
    expect(first.ok).to.equal(true);
    const used = (first as { step: number }).step;
    expect(checkTotp({ secretBase32: secret, code, nowMs: T + 5_000, lastStep: used })).to.deep.equal({ ok: false, reason: 'replayed' });
    expect(checkTotp({ secretBase32: secret, code: totpCode(secret, T - step), nowMs: T, lastStep: used })).to.deep.equal({ ok: false, reason: 'replayed' });
    expect(checkTotp({ secretBase32: secret, code: totpCode(secret, T + step), nowMs: T, lastStep: used })).to.deep.equal({ ok: true, step: used + 1 });
  });

  it('reads six digits with spaces or a dash, and nothing else', () => {
    expect(normalizeTotpCode(' 123 456 ')).to.equal('123456');
    expect(normalizeTotpCode('123-456')).to.equal('123456');
    for (const bad of ['12345', '1234567', 'abcdef', '']) expect(normalizeTotpCode(bad)).to.equal(undefined);
    expect(checkTotp({ secretBase32: secret, code: 'abcdef', nowMs: T })).to.deep.equal({ ok: false, reason: 'malformed' });
  });

  it('writes the otpauth:// URI authenticator apps read: SHA1, 6 digits, 30 s, issuer and account', () => {
    const uri = new URL(otpauthUri(secret, 'ada@example.test', 'id.example.com'));
    expect(uri.protocol).to.equal('otpauth:');
    expect(uri.searchParams.get('secret')).to.equal(secret);
    expect(uri.searchParams.get('issuer')).to.equal('id.example.com');
    expect(uri.searchParams.get('algorithm')).to.equal('SHA1');
    expect(uri.searchParams.get('digits')).to.equal('6');
    expect(uri.searchParams.get('period')).to.equal('30');
    expect(decodeURIComponent(uri.pathname)).to.include('ada@example.test');
  });
});
