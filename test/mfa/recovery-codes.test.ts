// Recovery codes: their format, how typed ones are read, their keyed hashes.
import { expect } from 'chai';
import { looksLikeRecoveryCode, newRecoveryCodes, normalizeRecoveryCode, RECOVERY_CODE_COUNT, recoveryCodeHash } from '../../server/mfa/recovery-codes.ts';

describe('recovery codes', () => {
  it('are ten distinct codes of two groups of five, from an alphabet without look-alikes', () => {
    const codes = newRecoveryCodes();
    expect(codes).to.have.length(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).to.equal(RECOVERY_CODE_COUNT);
    for (const code of codes) expect(code).to.match(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
  });

  it('are read whatever the case, spacing and dashes, with o, i and l taken for 0 and 1', () => {
    expect(normalizeRecoveryCode('AB12C-DE34F')).to.equal('ab12cde34f');
    expect(normalizeRecoveryCode(' ab12c de34f ')).to.equal('ab12cde34f');
    expect(normalizeRecoveryCode('Ao1iL-de34f')).to.equal('a0111de34f');
    for (const bad of ['123456', 'ab12c-de34', 'ab12c-de34fg', 'ab12u-de34f', '']) expect(normalizeRecoveryCode(bad), bad).to.equal(undefined);
    expect(looksLikeRecoveryCode('123456')).to.equal(false);
  });

  it('are stored as HMACs bound to the account and the pepper, equal for any spelling of one code', () => {
    const pepper = Buffer.alloc(32, 1);
    const [code] = newRecoveryCodes() as [string];
    const hash = recoveryCodeHash(pepper, 'sub-1', code);
    expect(hash).to.not.include(code.replace('-', ''));
    expect(recoveryCodeHash(pepper, 'sub-1', code.toUpperCase().replace('-', ' '))).to.equal(hash);
    expect(recoveryCodeHash(pepper, 'sub-2', code)).to.not.equal(hash);
    expect(recoveryCodeHash(Buffer.alloc(32, 2), 'sub-1', code)).to.not.equal(hash);
  });
});
