// latchkey token inspect (POST /admin/tokens/inspect): for each state a token can be in, what the
// server says: active, or exactly why not; never the token itself.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { openConsole, press } from '../support/account.ts';
import { cliAt } from '../support/cli.ts';
import { expectOAuthError, tokenRequest } from '../support/flows.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';
import { sleep } from '../support/flows.ts';

describe('latchkey token inspect', () => {
  let running: Running;
  before(async () => {
    running = await startLatchkey({ store: 'redis', env: { ID_TOKEN_TTL: '1' } });
  });
  after(() => running.stop());

  async function inspect(token: string) {
    const run = await cliAt(running.url, ['token', 'inspect', '-', '--json'], { stdin: token });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout, 'the token is never printed back').to.not.include(token);
    await running.latchkey.audit.flush();
    return JSON.parse(run.stdout) as { kind: string; active: boolean; reason?: string; clientId?: string; account?: string; scopes?: string[]; source: string; expiresAt?: number };
  }

  async function person() {
    const user = await addUser(running);
    const { clientId, secret } = await addClient(running, { client_name: 'Notes' });
    const config = await discover(running, clientId, secret);
    return { user, clientId, config, ...(await signIn(config, user.email)) };
  }

  it('says a live access token is active, with its client, account, scopes and expiry, in words too', async () => {
    const { user, clientId, tokens } = await person();
    const info = await inspect(tokens.access_token);
    expect(info).to.deep.include({ kind: 'access_token', active: true, clientId, account: user.sub, source: 'store' });
    expect(info.scopes).to.include.members(['openid', 'email']);
    expect(info.expiresAt).to.be.greaterThan(Date.now());
    const human = await cliAt(running.url, ['token', 'inspect', tokens.access_token]);
    expect(human.stdout).to.match(/^kind\s+access token \(opaque\)$/m).and.match(/^active\s+yes$/m).and.not.include(tokens.access_token);
  });

  it('says a rotated refresh token was used, and a reused one revoked the grant', async () => {
    const { config, tokens } = await person();
    const next = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect((await inspect(tokens.refresh_token!)).reason).to.match(/already used/);
    await expectOAuthError(oidc.refreshTokenGrant(config, tokens.refresh_token!), 'invalid_grant');
    const reused = await inspect(tokens.refresh_token!);
    expect(reused).to.deep.include({ kind: 'refresh_token', active: false, source: 'audit trail' });
    expect(reused.reason).to.match(/reuse/);
    expect((await inspect(next.access_token)).reason, 'the successor went with the grant').to.match(/grant was revoked|revoked/);
  });

  it('says a token revoked at the revocation endpoint, or by removing the app, is revoked and why', async () => {
    const { clientId, secret } = await addClient(running, { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
    const issued = await tokenRequest(running, { clientId, secret }, { grant_type: 'client_credentials' });
    const token = String(issued.body.access_token);
    expect((await inspect(token)).active).to.equal(true);
    await tokenRequest(running, { clientId, secret }, { token }, '/token/revocation');
    expect(await inspect(token)).to.deep.include({ kind: 'client_credentials', active: false, reason: 'revoked (revocation_endpoint)', clientId });

    const { browser, tokens } = await person();
    await press(browser, await openConsole(running, browser, '/account/apps'), 'Remove access for Notes');
    expect((await inspect(tokens.access_token)).reason).to.equal('its grant was revoked (account_console)');
  });

  it('says a disabled account’s token is not active', async () => {
    const { user, tokens } = await person();
    // The flag alone (the admin API also revokes everything): the token is still in the store.
    await running.latchkey.users.setDisabled(user.email, true);
    expect(await inspect(tokens.access_token)).to.deep.include({ active: false, reason: 'its account is disabled', source: 'store' });
  });

  it('checks a JWT by its signature, issuer and expiry', async () => {
    const { tokens } = await person();
    const idToken = tokens.id_token!;
    const fresh = await inspect(idToken);
    expect(fresh).to.deep.include({ kind: 'id_token', source: 'signature' });
    await sleep(2100);
    expect((await inspect(idToken)).reason).to.equal('expired');
    const [header, payload] = idToken.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), exp: 9999999999 })).toString('base64url')}.${idToken.split('.')[2]}`;
    expect((await inspect(forged)).reason).to.match(/signature does not verify/);
    const elsewhere = `${header}.${Buffer.from(JSON.stringify({ iss: 'https://evil.example', sub: 'x' })).toString('base64url')}.sig`;
    expect((await inspect(elsewhere)).reason).to.match(/^wrong issuer/);
    const unknownKey = `${Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'gone' })).toString('base64url')}.${payload}.sig`;
    expect((await inspect(unknownKey)).reason).to.match(/no longer publishes/);
  });

  it('says an unknown token is unknown', async () => {
    expect(await inspect('not-a-token-this-server-ever-issued-0123456789')).to.deep.include({ kind: 'unknown', active: false, source: 'nothing' });
  });
});
