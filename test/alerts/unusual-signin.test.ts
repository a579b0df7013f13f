// The risk model's verdicts as alerts: a sign-in let in that would have asked for a second factor,
// and one refused. Each says why, in the model's words, to the operator and the person.
import { expect } from 'chai';
import type { Alert } from '../../server/audit/events-alerts.ts';
import { PLACES, T0, MINUTE, run, signinFailed, signinSucceeded } from './support/events.ts';

const of = (rule: string) => (alerts: Alert[]) => alerts.filter((a) => a.rule === rule);
const unusual = of('unusual_signin');
const refused = of('unusual_signin_refused');
const reasons = ['first sign-in from Brazil', 'new browser (Chrome on Linux)'];

describe('alert rules: unusual sign-in (the risk model)', () => {
  it('fires on each sign-in let in with the decision "require", saying why and that no second factor was asked', () => {
    const { alerts } = run([
      signinSucceeded('ada', T0, PLACES.berlin, { risk: { score: -3, decision: 'allow', reasons: [] } }),
      signinSucceeded('ada', T0 + MINUTE, PLACES.berlin, { risk: { score: 4.2, decision: 'require', reasons } }),
      signinSucceeded('ada', T0 + 2 * MINUTE, PLACES.berlin, { risk: { score: 5, decision: 'require', reasons } }),
      signinSucceeded('bob', T0 + 3 * MINUTE, PLACES.berlin),
    ]);
    expect(unusual(alerts)).to.have.length(2);
    const [alert] = unusual(alerts);
    expect(alert).to.include({ account: 'ada', severity: 'medium' });
    expect(alert!.summary).to.include('first sign-in from Brazil; new browser (Chrome on Linux)').and.include('No second factor was asked for');
    expect(alert!.personMessage).to.include('first sign-in from Brazil').and.include('change your password');
    expect(alert!.evidence).to.deep.include({ score: 4.2, reasons });
  });

  it('says so when the account, without a second factor, was asked for the code mailed to it', () => {
    const { alerts } = run([signinSucceeded('ada', T0, PLACES.berlin, { risk: { score: 4.2, decision: 'require', reasons }, emailCheck: true })]);
    expect(unusual(alerts)).to.have.length(1);
    expect(unusual(alerts)[0]!.summary).to.include('the code mailed to its address was asked for and typed').and.not.include('No second factor was asked for');
  });

  it('fires high on a sign-in refused by the model, and never on a wrong password', () => {
    const { alerts } = run([
      signinFailed('ada@example.com', T0, { account: 'ada' }),
      signinFailed('ada@example.com', T0 + MINUTE, { account: 'ada', reason: 'risk_denied', risk: { score: 13.1, decision: 'deny', reasons } }),
    ]);
    expect(refused(alerts)).to.have.length(1);
    expect(refused(alerts)[0]).to.include({ account: 'ada', severity: 'high' });
    expect(refused(alerts)[0]!.summary).to.include('with the right password was refused').and.include('score 13.1');
    expect(refused(alerts)[0]!.personMessage).to.include('someone knows your password');
  });
});
