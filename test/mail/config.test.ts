// The mail settings: SMTP_URL and MAIL_FROM parsed once, a bad value named; development's outbox
// only in development and only without SMTP_URL; sign-up needs a way to mail in production.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { ConfigError, loadConfig, type DevSecrets } from '../../config/index.ts';

const dev: DevSecrets = { keysEncryptionKey: randomBytes(32), cookieSecret: 'c'.repeat(43), adminToken: 'a'.repeat(43) };
const production = {
  NODE_ENV: 'production',
  ISSUER: 'https://id.example.com',
  REDIS_URL: 'redis://redis:6379',
  KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
  COOKIE_SECRETS: randomBytes(32).toString('hex'),
};
const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env, () => dev);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('mail configuration', () => {
  it('keeps mail in the outbox in development without SMTP_URL, never in production or with SMTP_URL', () => {
    expect(loadConfig({}, () => dev).mail).to.include({ outbox: true, from: 'Latchkey <no-reply@localhost>' });
    expect(loadConfig(production).mail).to.include({ outbox: false, smtpUrl: undefined, from: 'Latchkey <no-reply@id.example.com>' });
    expect(loadConfig({ SMTP_URL: 'smtp://mail:25' }, () => dev).mail.outbox).to.equal(false);
    expect(loadConfig({ ...production, SMTP_URL: 'smtps://u:p@mail.example.com:465', MAIL_FROM: 'Acme <id@acme.example>' }).mail).to.include({ smtpUrl: 'smtps://u:p@mail.example.com:465', from: 'Acme <id@acme.example>' });
  });

  it('names SMTP_URL and MAIL_FROM when they are not usable', () => {
    expect(problems({ SMTP_URL: 'http://mail:25' })[0]).to.match(/^SMTP_URL: /);
    expect(problems({ SMTP_URL: 'not a url' })[0]).to.match(/^SMTP_URL: /);
    expect(problems({ MAIL_FROM: 'nobody' })[0]).to.match(/^MAIL_FROM: /);
    expect(problems({ MAIL_FROM: 'Evil\r\nBcc: x@y.z <a@b.c>' })[0]).to.match(/^MAIL_FROM: /);
  });

  it('refuses ALLOW_SIGNUP in production without SMTP_URL; sign-up is off by default', () => {
    expect(problems({ ...production, ALLOW_SIGNUP: 'true' }).join('\n')).to.match(/ALLOW_SIGNUP: needs SMTP_URL/);
    expect(loadConfig(production).allowSignup).to.equal(false);
    expect(loadConfig({ ...production, ALLOW_SIGNUP: 'true', SMTP_URL: 'smtp://mail:587' }).allowSignup).to.equal(true);
  });
});
