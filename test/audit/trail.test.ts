// The audit trail in a running Latchkey: oidc-provider's events and Latchkey's own become
// catalogue events (checked, ids hashed), written to the log and to the store's stream, found
// again by account, client, type and time.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { randomBytes } from 'node:crypto';
import { createIdHasher } from '../../server/audit/ids.ts';
import { findSecrets } from '../../server/audit/secret-scan.ts';
import type { AuditEvent } from '../../server/audit/catalogue.ts';
import { expectOAuthError, tokenRequest } from '../support/flows.ts';
import { startLatchkey, STORES, TEST_ADMIN_TOKEN, type Running } from '../support/latchkey.ts';
import { openConsole, press } from '../support/account.ts';
import { addClient, addUser, authorize, discover, signIn } from '../support/oidc.ts';

for (const store of STORES) {
  describe(`audit trail (${store} store)`, () => {
    let running: Running;
    const lines: string[] = [];
    before(async () => {
      running = await startLatchkey({ store, logs: { write: (line: string) => void lines.push(line) } });
    });
    after(() => running.stop());

    async function eventsOf(account: string): Promise<AuditEvent[]> {
      await running.latchkey.audit.flush();
      const { events } = await running.latchkey.audit.search({ account, limit: 100 });
      return events.map((e) => e.event).reverse();
    }

    it('records a code flow, a refresh, a reuse and a revocation, with hashed ids and no secret', async () => {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running);
      const config = await discover(running, clientId, secret);
      const { tokens } = await signIn(config, user.email);
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      // Introspection, by the token's own client: who asked, about whose token, and the answer.
      expect((await oidc.tokenIntrospection(config, refreshed.access_token)).active).to.equal(true);
      await expectOAuthError(oidc.refreshTokenGrant(config, tokens.refresh_token!), 'invalid_grant');

      const events = await eventsOf(user.sub);
      expect(events.find((e) => e.type === 'token.introspected')).to.deep.include({ actor: { kind: 'client', clientId }, tokenClient: clientId, account: user.sub, tokenKind: 'access_token', active: true });
      const types = events.map((e) => e.type);
      expect(types).to.include.members(['session.started', 'token.issued', 'token.refreshed', 'token.refresh_reuse_detected', 'grant.revoked']);
      const issued = events.filter((e): e is Extract<AuditEvent, { type: 'token.issued' }> => e.type === 'token.issued');
      expect(issued.map((e) => e.tokenKind)).to.include.members(['access_token', 'refresh_token']);
      for (const e of issued) {
        expect(e).to.include({ client: clientId, account: user.sub, grantType: e.grantType });
        expect(e.tokenIdHash).to.match(/^[\w-]{22}$/);
        expect(e.ip).to.equal('127.0.0.1');
      }
      const reuse = events.find((e) => e.type === 'token.refresh_reuse_detected')!;
      expect(reuse).to.include({ client: clientId, grantRevoked: true });
      expect(events.find((e) => e.type === 'grant.revoked')).to.include({ cause: 'refresh_reuse' });

      // Nothing usable as a credential, in the stored events or in the log lines.
      const secrets = [tokens.access_token, tokens.refresh_token!, tokens.id_token!, refreshed.access_token, refreshed.refresh_token!, secret!];
      expect(findSecrets(events, secrets)).to.deep.equal([]);
      expect(findSecrets(lines, secrets)).to.deep.equal([]);
      expect(running.latchkey.audit.counts.refused, 'every event fits the catalogue').to.equal(0);
      // Each event is a JSON line of the log too.
      const logged = lines.map((l) => JSON.parse(l) as { audit?: AuditEvent }).filter((l) => (l.audit as { account?: string } | undefined)?.account === user.sub);
      expect(logged.map((l) => l.audit!.type)).to.deep.equal(types);
    });

    it('records client credentials and a revocation at the revocation endpoint, found by client and type', async () => {
      const { clientId, secret } = await addClient(running, { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
      const res = await tokenRequest(running, { clientId, secret }, { grant_type: 'client_credentials' });
      expect(res.status).to.equal(200);
      const revoked = await tokenRequest(running, { clientId, secret }, { token: String(res.body.access_token) }, '/token/revocation');
      expect(revoked.status).to.equal(200);
      await running.latchkey.audit.flush();
      const { events } = await running.latchkey.audit.search({ client: clientId, limit: 10 });
      expect(events.map((e) => e.event.type)).to.deep.equal(['token.revoked', 'token.issued']);
      expect(events[1]!.event).to.include({ tokenKind: 'client_credentials', grantType: 'client_credentials' });
      expect(events[0]!.event).to.include({ cause: 'revocation_endpoint', tokenKind: 'client_credentials' });
      const family = await running.latchkey.audit.search({ client: clientId, type: 'token.*', limit: 1 });
      expect(family.events).to.have.length(1);
      expect(family.next, 'a cursor to the next page').to.equal(family.events[0]!.id);
      const next = await running.latchkey.audit.search({ client: clientId, type: 'token.*', limit: 10, before: family.next });
      expect(next.events.map((e) => e.event.type)).to.deep.equal(['token.issued']);
      const none = await running.latchkey.audit.search({ client: clientId, since: Date.now() + 60_000, limit: 10 });
      expect(none.events).to.deep.equal([]);
    });

    it('records sign-ins (why a failure failed, for operators), consent, the console’s removals and sign-outs, and admin calls', async () => {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running, { client_name: 'Notes' });
      const config = await discover(running, clientId, secret);
      await expectRejection(authorize(config, user.email, { password: 'not the password' }));
      const { browser } = await signIn(config, user.email);
      const apps = await openConsole(running, browser, '/account/apps');
      await press(browser, apps, 'Remove access for Notes');
      const admin = await fetch(`${running.url}/admin/users/access?email=${encodeURIComponent(user.email)}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      expect(admin.status).to.equal(200);
      await fetch(`${running.url}/admin/users`, { headers: { authorization: 'Bearer wrong-token' } });

      const events = await eventsOf(user.sub);
      const failed = events.find((e) => e.type === 'signin.failed')!;
      expect(failed).to.include({ account: user.sub, client: clientId, reason: 'wrong_password', personSees: 'incorrect_email_or_password' });
      expect(JSON.stringify(failed)).to.not.include(user.email);
      expect(events.find((e) => e.type === 'signin.succeeded')).to.include({ account: user.sub, client: clientId });
      expect(events.find((e) => e.type === 'consent.granted')).to.deep.include({ account: user.sub, client: clientId });
      const removed = events.filter((e) => e.type === 'grant.revoked');
      expect(removed.map((e) => (e as { cause: string }).cause)).to.include('account_console');

      await running.latchkey.audit.flush();
      const calls = (await running.latchkey.audit.search({ type: 'admin.api_called', limit: 10 })).events.map((e) => e.event as Extract<AuditEvent, { type: 'admin.api_called' }>);
      expect(calls.find((c) => c.path === '/admin/users/access')).to.deep.include({ method: 'GET', status: 200, actor: { kind: 'admin', id: 'admin-token' } });
      expect(calls.find((c) => c.status === 401)).to.deep.include({ path: '/admin/users', actor: { kind: 'anonymous' } });
      expect(running.latchkey.audit.counts.refused).to.equal(0);
    });

    it('records accounts and clients created, disabled, enabled, given a password and removed through the admin API', async () => {
      const admin = (method: string, path: string, body?: unknown) =>
        fetch(`${running.url}/admin${path}`, { method, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      const email = `audited-${Date.now()}@example.test`;
      const created = (await (await admin('POST', '/users', { email, password: 'correct horse battery staple' })).json()) as { user: { sub: string } };
      await admin('POST', '/users/disable', { email });
      await admin('POST', '/users/enable', { email });
      await admin('POST', '/users/password', { email, password: 'another horse battery staple' });
      const sub = created.user.sub;
      expect((await eventsOf(sub)).filter((e) => e.type.startsWith('user.')).map((e) => e.type)).to.deep.equal(['user.created', 'user.disabled', 'user.enabled', 'user.password_changed']);
      const clientId = `audited-${Date.now()}`;
      expect((await admin('POST', '/clients', { client_id: clientId, redirect_uris: ['https://app.example.test/cb'] })).status).to.equal(201);
      expect((await admin('DELETE', `/clients/${clientId}`)).status).to.equal(204);
      await running.latchkey.audit.flush();
      const clientEvents = (await running.latchkey.audit.search({ client: clientId, type: 'client.*', limit: 10 })).events.map((e) => e.event);
      expect(clientEvents.map((e) => e.type)).to.deep.equal(['client.removed', 'client.created']);
      expect(clientEvents[1]).to.deep.include({ public: false, redirectUris: ['https://app.example.test/cb'], actor: { kind: 'admin', id: 'admin-token' } });
    });

    it('finds the events of one token or grant however far back they are, not only among the newest', async () => {
      const hash = createIdHasher(randomBytes(32));
      const issued = (i: number) => ({
        type: 'token.issued', version: 1, at: Date.now(), actor: { kind: 'client', clientId: 'bulk' }, client: 'bulk', grantType: 'client_credentials',
        tokenKind: 'client_credentials', format: 'opaque', scopes: [], tokenIdHash: hash('token', `t${i}`), grantIdHash: hash('grant', `g${i}`), expiresAt: Date.now() + 60_000,
      }) as AuditEvent;
      for (let i = 0; i < 1500; i++) running.latchkey.audit.record(issued(i));
      await running.latchkey.audit.flush();
      const first = await running.latchkey.audit.search({ tokenIdHash: hash('token', 't0'), limit: 10 });
      expect(first.events.map((e) => (e.event as { tokenIdHash: string }).tokenIdHash)).to.deep.equal([hash('token', 't0')]);
      expect((await running.latchkey.audit.search({ grantIdHash: hash('grant', 'g1'), limit: 10 })).events).to.have.length(1);
    });

    it('records key changes with who asked for them', async () => {
      const res = await fetch(`${running.url}/admin/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).to.equal(200);
      await running.latchkey.audit.flush();
      const staged = (await running.latchkey.audit.search({ type: 'key.*', limit: 20 })).events.map((e) => e.event);
      expect(staged.length, 'one key per algorithm at least').to.be.greaterThan(0);
      for (const e of staged) expect(e).to.deep.include({ actor: { kind: 'admin', id: 'admin-token' } });
      expect(staged.map((e) => e.type)).to.include('key.staged');
    });
  });
}

async function expectRejection(promise: Promise<unknown>): Promise<void> {
  let failed = false;
  await promise.catch(() => (failed = true));
  expect(failed, 'the sign-in with a wrong password fails').to.equal(true);
}
