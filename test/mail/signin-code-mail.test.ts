// The mail of the email check (views/mail/signin-code.*): the code, who is signing in to what from
// where, what to do if it was not them; what a client or a request named is escaped in the HTML.
import { expect } from 'chai';
import { mailRenderer } from '../../server/mail/templates.ts';

describe('the sign-in code mail', () => {
  const render = mailRenderer();
  const hostile = '<img src=x onerror=alert(1)>';
  const mail = render('signin-code', { issuer: 'https://id.example.test', code: '042917', app: `Notes ${hostile}`, at: Date.UTC(2026, 11, 2, 15, 0), device: 'Firefox on Windows', place: 'Rio de Janeiro, Brazil', ip: '200.147.67.142', consoleUrl: 'https://id.example.test/account' });

  it('says the code, the app, the device and place, and what to do if it was not you; the code stays out of the subject', () => {
    expect(mail.subject).to.equal('Your code to sign in');
    expect(mail.text).to.include('Your code to sign in: 042917').and.include('to use Notes').and.include('Firefox on Windows').and.include('Rio de Janeiro, Brazil (200.147.67.142)');
    expect(mail.text).to.include('If this was not you').and.include('Change your password').and.include('https://id.example.test/account');
    expect(mail.html).to.include('042917').and.include('Rio de Janeiro, Brazil').and.include('If this was not you');
  });

  it('escapes what others named in the HTML', () => {
    expect(mail.html).to.not.include(hostile);
    expect(mail.html).to.include('&lt;img src=x onerror=alert(1)&gt;');
  });
});
