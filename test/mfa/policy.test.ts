// The one decision "does this sign-in need a second factor", with data.
import { expect } from 'chai';
import { ACR_MFA, ACR_PASSWORD } from '../../config/authentication.ts';
import { authenticationMethods, secondFactorNeeded, type SecondFactorQuestion } from '../../server/mfa/policy.ts';

const ask = (over: Partial<SecondFactorQuestion> & { hasFactor?: boolean; canEmail?: boolean; requireMfa?: boolean; firstParty?: boolean; acr?: string } = {}) =>
  secondFactorNeeded({
    account: { hasFactor: over.hasFactor ?? false, canEmail: over.canEmail ?? false },
    client: { requireMfa: over.requireMfa ?? false, firstParty: over.firstParty ?? false },
    params: { acr_values: over.acr },
    policy: over.policy ?? 'optional',
    ...(over.risk ? { risk: over.risk } : {}),
  });

describe('secondFactorNeeded', () => {
  it('asks a person who set up a factor for it, and no one else, under the optional policy', () => {
    expect(ask({ hasFactor: true })).to.deep.equal({ need: 'factor', why: 'enrolled' });
    expect(ask()).to.deep.equal({ need: 'none' });
  });

  it('acr_values naming the mfa acr, a require_mfa client or the required policy need a factor; without one, the person is told to set one up', () => {
    expect(ask({ acr: `${ACR_PASSWORD} ${ACR_MFA}` })).to.deep.equal({ need: 'enrol', why: 'acr_values' });
    expect(ask({ acr: ACR_PASSWORD })).to.deep.equal({ need: 'none' });
    expect(ask({ requireMfa: true })).to.deep.equal({ need: 'enrol', why: 'client' });
    expect(ask({ policy: 'required' })).to.deep.equal({ need: 'enrol', why: 'policy' });
    expect(ask({ requireMfa: true, hasFactor: true })).to.deep.equal({ need: 'factor', why: 'client' });
  });

  it('lets a person without a factor into the account console under the required policy: that is where they set one up', () => {
    expect(ask({ policy: 'required', firstParty: true })).to.deep.equal({ need: 'none' });
    expect(ask({ policy: 'required', firstParty: true, hasFactor: true })).to.deep.equal({ need: 'factor', why: 'enrolled' });
  });

  it("takes the risk model's require: a factor when there is one, and no refusal when there is none", () => {
    expect(ask({ risk: 'require', hasFactor: true })).to.deep.equal({ need: 'factor', why: 'risk' });
    expect(ask({ risk: 'require' })).to.deep.equal({ need: 'none' });
    expect(ask({ risk: 'allow' })).to.deep.equal({ need: 'none' });
  });

  it("meets the risk model's require without a factor by a code mailed to the account, when mail can be sent", () => {
    expect(ask({ risk: 'require', canEmail: true })).to.deep.equal({ need: 'email', why: 'risk' });
    expect(ask({ risk: 'require', canEmail: true, policy: 'adaptive' })).to.deep.equal({ need: 'email', why: 'risk' });
    expect(ask({ risk: 'require', canEmail: true, firstParty: true })).to.deep.equal({ need: 'email', why: 'risk' });
    // A factor, when there is one, is what is asked for; mail changes nothing else.
    expect(ask({ risk: 'require', canEmail: true, hasFactor: true })).to.deep.equal({ need: 'factor', why: 'risk' });
    expect(ask({ risk: 'allow', canEmail: true })).to.deep.equal({ need: 'none' });
    expect(ask({ canEmail: true })).to.deep.equal({ need: 'none' });
    // What the app or the client asks for is a factor: a mailed code does not stand in for one.
    expect(ask({ risk: 'require', canEmail: true, requireMfa: true })).to.deep.equal({ need: 'enrol', why: 'client' });
    // Without mail: let in, as before (with an alert).
    expect(ask({ risk: 'require', canEmail: false })).to.deep.equal({ need: 'none' });
  });

  it('asks, under the adaptive policy, only when the risk model finds the sign-in unusual or the app asks', () => {
    expect(ask({ policy: 'adaptive', hasFactor: true, risk: 'allow' })).to.deep.equal({ need: 'none' });
    expect(ask({ policy: 'adaptive', hasFactor: true, risk: 'require' })).to.deep.equal({ need: 'factor', why: 'risk' });
    expect(ask({ policy: 'adaptive', hasFactor: true, risk: 'allow', acr: ACR_MFA })).to.deep.equal({ need: 'factor', why: 'acr_values' });
    expect(ask({ policy: 'adaptive', hasFactor: true, risk: 'allow', requireMfa: true })).to.deep.equal({ need: 'factor', why: 'client' });
    // A browser already signed in (the step-up check: no verdict) is not asked again.
    expect(ask({ policy: 'adaptive', hasFactor: true })).to.deep.equal({ need: 'none' });
    // Without a factor, adaptive is optional: nothing to ask for, nobody refused.
    expect(ask({ policy: 'adaptive', risk: 'require' })).to.deep.equal({ need: 'none' });
  });

  it('gives the amr (RFC 8176) and acr of what was used', () => {
    expect(authenticationMethods('password')).to.deep.equal({ amr: ['pwd'], acr: ACR_PASSWORD });
    expect(authenticationMethods('totp')).to.deep.equal({ amr: ['pwd', 'otp', 'mfa'], acr: ACR_MFA });
    expect(authenticationMethods('recovery')).to.deep.equal({ amr: ['pwd', 'mfa'], acr: ACR_MFA });
    // A mailed code is not a factor of the person's own: still the password's.
    expect(authenticationMethods('email')).to.deep.equal({ amr: ['pwd'], acr: ACR_PASSWORD });
  });
});
