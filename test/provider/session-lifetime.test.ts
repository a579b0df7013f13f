import { expect } from 'chai';
import { ANONYMOUS_SESSION_SECONDS, sessionTtl } from '../../server/provider/session-lifetime.ts';

describe('session lifetime', () => {
  const policy = { idleSeconds: 3600, maxSeconds: 86_400 };
  const t0 = 1_700_000_000;

  it('slides by the idle lifetime while far from the absolute one', () => {
    expect(sessionTtl({ accountId: 'a', loginTs: t0 }, t0, policy)).to.equal(3600);
    expect(sessionTtl({ accountId: 'a', loginTs: t0 }, t0 + 40_000, policy)).to.equal(3600);
  });

  it('never lives past the absolute lifetime from the sign-in, however busy', () => {
    expect(sessionTtl({ accountId: 'a', loginTs: t0 }, t0 + 86_400 - 100, policy)).to.equal(100);
    expect(sessionTtl({ accountId: 'a', loginTs: t0 }, t0 + 86_400, policy)).to.equal(1);
    expect(sessionTtl({ accountId: 'a', loginTs: t0 }, t0 + 200_000, policy)).to.equal(1);
  });

  it('gives a session nobody signed in to a few minutes', () => {
    expect(sessionTtl({}, t0, policy)).to.equal(ANONYMOUS_SESSION_SECONDS);
    expect(ANONYMOUS_SESSION_SECONDS).to.be.at.most(600);
  });
});
