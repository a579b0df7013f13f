import { expect } from 'chai';
import * as oidc from 'openid-client';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, authorize, discover, signIn } from '../support/oidc.ts';

for (const store of STORES) {
  describe(`authorization code + PKCE (${store} store)`, () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store });
    });
    after(() => running.stop());

    it('signs a person in through the login and consent pages, for a confidential client', async () => {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running);
      const config = await discover(running, clientId, secret);
      const { tokens } = await signIn(config, user.email, 'openid email profile');
      const claims = tokens.claims()!;
      expect(claims.sub).to.equal(user.sub);
      expect(claims.iss).to.equal(running.url);
      // The claims of granted scopes are in the ID token too (ID_TOKEN_CLAIMS=scopes, the default).
      expect(claims.email).to.equal(user.email);
      expect(claims.email_verified).to.equal(true);
      expect(claims.name).to.equal('Ada Lovelace');
      expect(tokens.access_token).to.be.a('string');
      const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString());
      expect(header.alg).to.equal('RS256');
      const info = await oidc.fetchUserInfo(config, tokens.access_token, user.sub);
      expect(info.email).to.equal(user.email);
      expect(info.given_name).to.equal('Ada');
      expect(info.name).to.equal('Ada Lovelace');
      expect(info.email_verified).to.equal(true);
    });

    it('keeps scope claims to userinfo with ID_TOKEN_CLAIMS=strict (OIDC Core 5.4)', async () => {
      const strict = await startLatchkey({ store, env: { ID_TOKEN_CLAIMS: 'strict' } });
      try {
        const user = await addUser(strict);
        const { clientId, secret } = await addClient(strict);
        const config = await discover(strict, clientId, secret);
        const { tokens } = await signIn(config, user.email, 'openid email profile');
        expect(tokens.claims()!.sub).to.equal(user.sub);
        expect(tokens.claims()).to.not.have.property('email');
        expect(tokens.claims()).to.not.have.property('name');
        const info = await oidc.fetchUserInfo(config, tokens.access_token, user.sub);
        expect(info.email).to.equal(user.email);
      } finally {
        await strict.stop();
      }
    });

    it('serves a public client (SPA) with PKCE and refresh token rotation', async () => {
      const user = await addUser(running);
      const { clientId } = await addClient(running, { public: true });
      const config = await discover(running, clientId);
      const { tokens } = await signIn(config, user.email);
      expect(tokens.refresh_token).to.be.a('string');
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      expect(refreshed.refresh_token).to.be.a('string').and.not.equal(tokens.refresh_token);
      expect(refreshed.access_token).to.not.equal(tokens.access_token);
    });

    it('gives the client access_denied when the person presses Deny', async () => {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running);
      const config = await discover(running, clientId, secret);
      const { callback } = await authorize(config, user.email, { consent: 'Deny' });
      expect(callback.searchParams.get('error')).to.equal('access_denied');
      expect(callback.searchParams.get('iss')).to.equal(running.url);
    });
  });
}
