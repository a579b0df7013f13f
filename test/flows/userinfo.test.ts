// The UserInfo endpoint (OpenID Connect Core §5.3): claims released by scope (§5.4) and by the
// claims request parameter (§5.5).
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';
import { authorizationRequest, rpBrowser, walkAuthorization } from '../support/flows.ts';

const PROFILE = ['name', 'given_name', 'family_name', 'updated_at'];

for (const store of STORES) {
  describe(`userinfo (${store} store)`, () => {
    let running: Running;
    let config: oidc.Configuration;
    before(async () => {
      running = await startLatchkey({ store });
      const { clientId, secret } = await addClient(running);
      config = await discover(running, clientId, secret);
    });
    after(() => running.stop());

    async function userinfoFor(scope: string) {
      const user = await addUser(running);
      const { tokens } = await signIn(config, user.email, scope);
      return { user, info: await oidc.fetchUserInfo(config, tokens.access_token, user.sub) };
    }

    it('returns only sub for scope openid', async () => {
      const { user, info } = await userinfoFor('openid');
      expect(info).to.deep.equal({ sub: user.sub });
    });

    it('adds email and email_verified for scope email', async () => {
      const { user, info } = await userinfoFor('openid email');
      expect(info).to.deep.equal({ sub: user.sub, email: user.email, email_verified: true });
    });

    it('adds the profile claims, and no email, for scope profile', async () => {
      const { user, info } = await userinfoFor('openid profile');
      expect(info.sub).to.equal(user.sub);
      expect(info).to.include({ name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace' });
      expect(info.updated_at).to.be.a('number');
      expect(info).to.not.have.property('email');
      expect(Object.keys(info).filter((k) => k !== 'sub' && !PROFILE.includes(k) && k !== 'preferred_username')).to.deep.equal([]);
    });

    it('releases every scope claim for openid email profile', async () => {
      const { user, info } = await userinfoFor('openid email profile');
      expect(info).to.include({ sub: user.sub, email: user.email, email_verified: true, name: 'Ada Lovelace' });
    });

    it('releases a claim asked for with the claims parameter, beyond the scopes', async () => {
      const user = await addUser(running);
      const { params, checks } = await authorizationRequest('openid', { claims: JSON.stringify({ userinfo: { email: null } }) });
      const page = await walkAuthorization(rpBrowser(), oidc.buildAuthorizationUrl(config, params), user.email);
      expect(page.url).to.match(/^https:\/\/rp\.example\.test\/callback\?/);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), checks);
      const info = await oidc.fetchUserInfo(config, tokens.access_token, user.sub);
      expect(info.sub).to.equal(user.sub);
      expect(info.email).to.equal(user.email);
      // Only what was asked for: not email_verified, not the profile.
      expect(info).to.not.have.property('email_verified');
      expect(info).to.not.have.property('name');
    });

    it('refuses a request without an access token, or with a made-up one', async () => {
      const endpoint = config.serverMetadata().userinfo_endpoint!;
      const none = await fetch(endpoint);
      expect(none.status).to.be.oneOf([400, 401]);
      const made = await fetch(endpoint, { headers: { authorization: 'Bearer not-a-token' } });
      expect(made.status).to.equal(401);
      expect(made.headers.get('www-authenticate')).to.match(/error="invalid_token"/);
    });
  });
}
