// The codes of the email check (mfa/email-code.ts) over the store: six digits, kept as a keyed
// hash, once, void after five tries, replaced by a new one, gone after ten minutes.
import { expect } from 'chai';
import { EMAIL_CODE_TRIES, emailCodes } from '../../server/mfa/email-code.ts';
import { createPseudonyms } from '../../server/security/pseudonyms.ts';
import { createMemoryStore } from '../../server/store/memory/index.ts';

describe('email codes', () => {
  let now = Date.now();
  const store = createMemoryStore({ now: () => now });
  const codes = emailCodes(store.oidc, store.limiter('email-code-tries', { points: EMAIL_CODE_TRIES, durationSeconds: 600 }), createPseudonyms(['a-cookie-secret-of-thirty-two-chars!']));
  const other = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  it('makes six random digits, kept only as a hash', async () => {
    const code = await codes.issue('uid-1', 'sub-1');
    expect(code).to.match(/^\d{6}$/);
    const record = await store.oidc.find('EmailCode', 'uid-1');
    expect(JSON.stringify(record)).to.not.include(code);
    expect(record).to.include({ sub: 'sub-1' });
  });

  it('takes the right code once, for its interaction and account only', async () => {
    const code = await codes.issue('uid-2', 'sub-2');
    expect(await codes.verify('uid-2', 'sub-other', code)).to.equal('void');
    expect(await codes.verify('uid-other', 'sub-2', code)).to.equal('void');
    expect(await codes.verify('uid-2', 'sub-2', code.slice(0, 3) + ' ' + code.slice(3))).to.equal('ok');
    expect(await codes.verify('uid-2', 'sub-2', code)).to.equal('void');
  });

  it('lets one of two right tries at once win', async () => {
    const code = await codes.issue('uid-3', 'sub-3');
    const verdicts = await Promise.all([codes.verify('uid-3', 'sub-3', code), codes.verify('uid-3', 'sub-3', code)]);
    expect(verdicts.sort()).to.deep.equal(['ok', 'void']);
  });

  it('voids a code after five tries, even parallel ones; a new code starts afresh', async () => {
    const code = await codes.issue('uid-4', 'sub-4');
    const verdicts = await Promise.all(Array.from({ length: 8 }, () => codes.verify('uid-4', 'sub-4', other(code))));
    expect(verdicts.filter((v) => v === 'wrong')).to.have.length(EMAIL_CODE_TRIES);
    expect(await codes.verify('uid-4', 'sub-4', code)).to.equal('void');
    const fresh = await codes.issue('uid-4', 'sub-4');
    expect(await codes.verify('uid-4', 'sub-4', other(fresh))).to.equal('wrong');
    expect(await codes.verify('uid-4', 'sub-4', fresh)).to.equal('ok');
  });

  it('replaces the code before with a new one, and forgets a code after ten minutes', async () => {
    const first = await codes.issue('uid-5', 'sub-5');
    const second = await codes.issue('uid-5', 'sub-5');
    if (first !== second) expect(await codes.verify('uid-5', 'sub-5', first)).to.equal('wrong');
    const late = await codes.issue('uid-6', 'sub-6');
    now += 601_000;
    expect(await codes.verify('uid-6', 'sub-6', late)).to.equal('void');
  });

  it('counts nothing that cannot be a code as right', async () => {
    await codes.issue('uid-7', 'sub-7');
    expect(codes.normalize('12345')).to.equal(undefined);
    expect(codes.normalize('12a456')).to.equal(undefined);
    expect(await codes.verify('uid-7', 'sub-7', '')).to.equal('wrong');
  });
});
