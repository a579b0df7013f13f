// Token introspection (RFC 7662) and revocation (RFC 7009), for access and refresh tokens, asked
// by the client the tokens were issued to (who else may ask: introspection-least-privilege).
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';
import { expectOAuthError, introspector } from '../support/flows.ts';

for (const store of STORES) {
  describe(`introspection and revocation (${store} store)`, () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store });
    });
    after(() => running.stop());

    async function signedIn() {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running);
      const config = await discover(running, clientId, secret);
      const { tokens } = await signIn(config, user.email);
      return { user, clientId, config, tokens, api: { introspect: introspector(config) } };
    }

    describe('introspection (RFC 7662)', () => {
      it('reports a live access token active, with its client, subject, scope and expiry', async () => {
        const { user, clientId, tokens, api } = await signedIn();
        const info = await api.introspect(tokens.access_token, 'access_token');
        expect(info.active).to.equal(true);
        expect(info.client_id).to.equal(clientId);
        expect(info.sub).to.equal(user.sub);
        expect(info.iss).to.equal(running.url);
        expect(info.token_type).to.equal('Bearer');
        expect(info.scope?.split(' ')).to.include.members(['openid', 'email']);
        expect(info.exp).to.be.a('number').above(Math.floor(Date.now() / 1000) - 5);
      });

      it('reports a live refresh token active', async () => {
        const { clientId, tokens, api } = await signedIn();
        const info = await api.introspect(tokens.refresh_token!, 'refresh_token');
        expect(info.active).to.equal(true);
        expect(info.client_id).to.equal(clientId);
        expect(info.scope?.split(' ')).to.include('offline_access');
      });

      it('finds the token without a hint, and with the wrong hint', async () => {
        const { tokens, api } = await signedIn();
        expect((await api.introspect(tokens.access_token)).active).to.equal(true);
        expect((await api.introspect(tokens.refresh_token!)).active).to.equal(true);
        expect((await api.introspect(tokens.access_token, 'refresh_token')).active).to.equal(true);
      });

      it('reports an unknown token inactive, with nothing else', async () => {
        const { api } = await signedIn();
        const info = await api.introspect('not-a-token-that-was-ever-issued');
        expect(info).to.deep.equal({ active: false });
      });

      it('requires the caller to authenticate', async () => {
        const { tokens } = await signedIn();
        const response = await fetch(`${running.url}/token/introspection`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: tokens.access_token }),
        });
        expect(response.status).to.be.oneOf([400, 401]);
        expect(((await response.json()) as { error: string }).error).to.be.oneOf(['invalid_client', 'invalid_request']);
      });
    });

    describe('revocation (RFC 7009)', () => {
      it('makes a revoked access token inactive, at introspection and at userinfo', async () => {
        const { user, config, tokens, api } = await signedIn();
        await oidc.tokenRevocation(config, tokens.access_token, { token_type_hint: 'access_token' });
        expect(await api.introspect(tokens.access_token)).to.deep.equal({ active: false });
        await expectOAuthError(oidc.fetchUserInfo(config, tokens.access_token, user.sub), 'invalid_token');
        // RFC 7009 §2.1 lets the server revoke the respective refresh token as well, and
        // oidc-provider does (helpers/revoke.js: every token of the grant; the Grant itself stays).
        expect((await api.introspect(tokens.refresh_token!)).active).to.equal(false);
        await expectOAuthError(oidc.refreshTokenGrant(config, tokens.refresh_token!), 'invalid_grant');
      });

      it('revokes the whole grant when the refresh token is revoked', async () => {
        const { user, config, tokens, api } = await signedIn();
        const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
        expect((await api.introspect(refreshed.access_token)).active).to.equal(true);

        await oidc.tokenRevocation(config, refreshed.refresh_token!, { token_type_hint: 'refresh_token' });

        expect(await api.introspect(refreshed.refresh_token!)).to.deep.equal({ active: false });
        expect(await api.introspect(refreshed.access_token)).to.deep.equal({ active: false });
        expect(await api.introspect(tokens.access_token)).to.deep.equal({ active: false });
        await expectOAuthError(oidc.refreshTokenGrant(config, refreshed.refresh_token!), 'invalid_grant');
        await expectOAuthError(oidc.fetchUserInfo(config, refreshed.access_token, user.sub), 'invalid_token');
      });

      it('revokes a refresh token presented without a hint', async () => {
        const { config, tokens, api } = await signedIn();
        await oidc.tokenRevocation(config, tokens.refresh_token!);
        expect((await api.introspect(tokens.refresh_token!)).active).to.equal(false);
        expect((await api.introspect(tokens.access_token)).active).to.equal(false);
      });

      it('answers 200 for an unknown token', async () => {
        const { clientId, secret } = await addClient(running);
        const config = await discover(running, clientId, secret);
        await oidc.tokenRevocation(config, 'never-issued-token');
        const response = await fetch(`${running.url}/token/revocation`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
          },
          body: new URLSearchParams({ token: 'never-issued-token', token_type_hint: 'refresh_token' }),
        });
        expect(response.status).to.equal(200);
      });

      it('does not let another client revoke a token it was not issued', async () => {
        const { tokens, api } = await signedIn();
        const other = await addClient(running);
        const config = await discover(running, other.clientId, other.secret);
        // RFC 7009 2.1: the server refuses; oidc-provider answers invalid_request, and the token lives.
        await expectOAuthError(oidc.tokenRevocation(config, tokens.access_token), 'invalid_request');
        expect((await api.introspect(tokens.access_token)).active).to.equal(true);
      });
    });
  });
}
