// The password policy, as a pure function: what may be set (length in characters after NFKC, not
// on the common list even decorated, not the email) and what a sign-in checks (only the maximum).
import { expect } from 'chai';
import {
  checkNewPassword,
  IS_EMAIL,
  isCommonPassword,
  MALFORMED,
  PasswordPolicyError,
  signInPassword,
  TOO_COMMON,
  TOO_LONG,
  TOO_SHORT,
} from '../../server/accounts/password-policy.ts';

const ACCOUNT = { email: 'ada.lovelace@example.com' };

function refusal(password: string, context = ACCOUNT): PasswordPolicyError {
  try {
    checkNewPassword(password, context);
  } catch (err) {
    expect(err).to.be.instanceOf(PasswordPolicyError);
    const error = err as PasswordPolicyError;
    expect(error.status).to.equal(400);
    // Fixed text, so it cannot repeat the password.
    expect([TOO_SHORT, TOO_LONG, TOO_COMMON, IS_EMAIL, MALFORMED]).to.include(error.message);
    return error;
  }
  expect.fail(`the policy accepted ${JSON.stringify(password)}`);
}

describe('password policy', () => {
  it('refuses the passwords of the security review, saying to choose another', () => {
    for (const password of ['password', '12345678', 'Passw0rd!']) {
      expect(refusal(password).message, password).to.equal(TOO_COMMON);
    }
    expect(TOO_COMMON).to.match(/^Choose a different password/);
  });

  it('matches the list case-insensitively and through a few trailing digits or symbols', () => {
    for (const password of ['PASSWORD', 'QwErTyUiOp', 'monkey2024', 'iloveyou!!', 'sunshine#1', 'football12345']) {
      expect(isCommonPassword(password), password).to.equal(true);
    }
    // Not decoration: a letter added, or digits alone (a stem needs a letter).
    for (const password of ['correct horse battery staple', 'monkeyx2024', '83920174', 'plum-velvet-orbit']) {
      expect(isCommonPassword(password), password).to.equal(false);
    }
  });

  it('refuses the email address and the part before its @, in any case', () => {
    expect(refusal('Ada.Lovelace@Example.com').message).to.equal(IS_EMAIL);
    expect(refusal('ADA.LOVELACE').message).to.equal(IS_EMAIL);
    expect(() => checkNewPassword('ada.lovelace!', ACCOUNT)).to.not.throw();
  });

  it('counts characters (code points) after NFKC, not UTF-16 units or bytes', () => {
    // Seven emoji are fourteen UTF-16 units and 28 bytes, but seven characters.
    expect(refusal('🐙🦑🦀🐡🐠🐟🐬').message).to.equal(TOO_SHORT);
    expect(checkNewPassword('🐙🦑🦀🐡🐠🐟🐬🐳', ACCOUNT)).to.equal('🐙🦑🦀🐡🐠🐟🐬🐳');
    // 256 three-byte characters (768 bytes) are allowed; 257 are not.
    const cjk = Array.from({ length: 256 }, (_, i) => String.fromCodePoint(0x4e00 + i * 7)).join('');
    expect(checkNewPassword(cjk, ACCOUNT)).to.equal(cjk);
    expect(refusal(`${cjk}字`).message).to.equal(TOO_LONG);
    // "ﬀ" (one character) is "ff" under NFKC: the length is the normalised one.
    expect(refusal('ﬀﬀﬀx').message).to.equal(TOO_SHORT);
    expect(checkNewPassword('ﬀﬀﬀﬀ', ACCOUNT)).to.equal('ffffffff');
  });

  it('gives the NFC and NFD forms of a password one normalised form', () => {
    const nfc = 'crème brûlée à la française'.normalize('NFC');
    const nfd = nfc.normalize('NFD');
    expect(nfd).to.not.equal(nfc);
    expect(checkNewPassword(nfd, ACCOUNT)).to.equal(checkNewPassword(nfc, ACCOUNT));
    expect(signInPassword(nfd)).to.equal(signInPassword(nfc));
  });

  it('refuses text that is not valid Unicode (a lone surrogate)', () => {
    expect(refusal('\ud800abcdefghij').message).to.equal(MALFORMED);
  });

  it('at sign-in: normalises, refuses only over 256 characters, never the list or the length minimum', () => {
    expect(signInPassword('password')).to.equal('password');
    expect(signInPassword('short')).to.equal('short');
    expect(signInPassword('x'.repeat(256))).to.equal('x'.repeat(256));
    expect(signInPassword('x'.repeat(257))).to.equal(undefined);
    expect(signInPassword('ﬀ'.repeat(129)), '129 characters normalise to 258').to.equal(undefined);
  });
});
