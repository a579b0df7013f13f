// Refresh token rotation with reuse detection (OAuth 2.0 Security BCP §4.14.2): every refresh
// returns a new refresh token, and a rotated one coming back revokes the whole grant.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';
import { concurrently, expectOAuthError, introspector, tokenRequest } from '../support/flows.ts';

for (const store of STORES) {
  describe(`refresh token rotation (${store} store)`, () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store });
    });
    after(() => running.stop());

    async function signedIn(options: { public?: boolean } = {}) {
      const user = await addUser(running);
      const client = await addClient(running, { public: options.public ?? true });
      const config = await discover(running, client.clientId, client.secret);
      const { tokens } = await signIn(config, user.email);
      expect(tokens.refresh_token, 'offline_access yields a refresh token').to.be.a('string');
      return { user, client, config, tokens };
    }

    it('issues a new refresh token and access token on every refresh, and the new ones work', async () => {
      const { user, config, tokens } = await signedIn();
      const seen = new Set([tokens.refresh_token]);
      let current: { access_token: string; refresh_token?: string } = tokens;
      for (let i = 0; i < 3; i++) {
        const next = await oidc.refreshTokenGrant(config, current.refresh_token!);
        expect(next.refresh_token).to.be.a('string');
        expect(seen.has(next.refresh_token), `refresh ${i + 1} returned a refresh token already seen`).to.equal(false);
        expect(next.access_token).to.not.equal(current.access_token);
        seen.add(next.refresh_token);
        current = next;
      }
      const info = await oidc.fetchUserInfo(config, current.access_token, user.sub);
      expect(info.sub).to.equal(user.sub);
      expect((await introspector(config)(current.refresh_token!, 'refresh_token')).active).to.equal(true);
    });

    it('for a confidential client too', async () => {
      const { config, tokens } = await signedIn({ public: false });
      const next = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      expect(next.refresh_token).to.be.a('string').and.not.equal(tokens.refresh_token);
      await expectOAuthError(oidc.refreshTokenGrant(config, tokens.refresh_token!), 'invalid_grant');
    });

    it('rejects a rotated refresh token and revokes the whole grant (reuse detection)', async () => {
      const { user, config, tokens } = await signedIn();
      const second = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      const third = await oidc.refreshTokenGrant(config, second.refresh_token!);
      // The client asks about its own tokens.
      const api = { introspect: introspector(config) };

      // Before the replay, everything the grant issued last is live.
      expect((await api.introspect(third.access_token, 'access_token')).active).to.equal(true);
      expect((await api.introspect(third.refresh_token!, 'refresh_token')).active).to.equal(true);

      // An attacker (or a confused client) replays the first, already rotated, refresh token.
      await expectOAuthError(oidc.refreshTokenGrant(config, tokens.refresh_token!), 'invalid_grant');

      // The legitimate holder's latest refresh token is now dead too...
      await expectOAuthError(oidc.refreshTokenGrant(config, third.refresh_token!), 'invalid_grant');
      expect((await api.introspect(third.refresh_token!, 'refresh_token')).active).to.equal(false);
      // ...and so is every access token issued under the grant.
      for (const accessToken of [tokens.access_token, second.access_token, third.access_token]) {
        const introspection = await api.introspect(accessToken, 'access_token');
        expect(introspection.active).to.equal(false);
      }
      await expectOAuthError(oidc.fetchUserInfo(config, third.access_token, user.sub), 'invalid_token');
    });

    it('lets exactly one of 50 concurrent refreshes with the same refresh token succeed', async () => {
      const { client, tokens } = await signedIn();
      const { successes, failures } = await concurrently(50, () =>
        tokenRequest(running, client, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }),
      );
      expect(failures.filter((f) => f.status >= 500), 'no server errors').to.deep.equal([]);
      expect(successes).to.have.length(1);
      expect(successes[0]!.body.refresh_token).to.be.a('string').and.not.equal(tokens.refresh_token);
      for (const failure of failures) {
        expect(failure.status).to.equal(400);
        expect(failure.body.error).to.equal('invalid_grant');
      }
    });
  });
}
