// REFRESH_TOKEN_REUSE_GRACE_SECONDS: several tabs of one SPA refreshing with the same token at
// once get the same successor; outside the window, or for confidential clients, reuse still
// revokes the grant.
import { expect } from 'chai';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';
import { concurrently, introspector, sleep, tokenRequest } from '../support/flows.ts';

async function spaSession(running: Running, isPublic = true) {
  const user = await addUser(running);
  const client = await addClient(running, { public: isPublic });
  const config = await discover(running, client.clientId, client.secret);
  const { tokens } = await signIn(config, user.email);
  return { client, refreshToken: tokens.refresh_token! };
}

for (const store of STORES) {
  describe(`refresh token reuse grace window (${store} store)`, () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store, env: { REFRESH_TOKEN_REUSE_GRACE_SECONDS: '2' } });
    });
    after(() => running.stop());

    it('gives tabs refreshing together the same successor, and the chain goes on', async () => {
      const { client, refreshToken } = await spaSession(running);
      const { results, successes } = await concurrently(5, () => tokenRequest(running, client, { grant_type: 'refresh_token', refresh_token: refreshToken }));
      expect(successes, JSON.stringify(results.map((r) => r.body))).to.have.length(5);
      const successors = new Set(successes.map((r) => r.body.refresh_token));
      expect(successors.size).to.equal(1);
      const [successor] = [...successors] as [string];
      expect(successor).to.not.equal(refreshToken);
      const next = await tokenRequest(running, client, { grant_type: 'refresh_token', refresh_token: successor });
      expect(next.status).to.equal(200);
    });

    it('answers a reuse inside the window with the same successor, without revoking the grant', async () => {
      const { client, refreshToken } = await spaSession(running);
      const first = await tokenRequest(running, client, { grant_type: 'refresh_token', refresh_token: refreshToken });
      const again = await tokenRequest(running, client, { grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(again.status).to.equal(200);
      expect(again.body.refresh_token).to.equal(first.body.refresh_token);
      expect(again.body.access_token).to.equal(first.body.access_token);
      const own = introspector(await discover(running, client.clientId, client.secret));
      expect((await own(String(first.body.access_token))).active).to.equal(true);
    });

    it('still revokes the grant on a reuse after the window', async () => {
      const { client, refreshToken } = await spaSession(running);
      const first = await tokenRequest(running, client, { grant_type: 'refresh_token', refresh_token: refreshToken });
      await sleep(3_100);
      const late = await tokenRequest(running, client, { grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(late.status).to.equal(400);
      expect(late.body.error).to.equal('invalid_grant');
      const successor = await tokenRequest(running, client, { grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) });
      expect(successor.body.error).to.equal('invalid_grant');
    });

    it("gives no grace to another client presenting the token, and the owner's grace survives it", async () => {
      const { client, refreshToken } = await spaSession(running);
      const first = await tokenRequest(running, client, { grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(first.status).to.equal(200);
      const other = await addClient(running, { public: true });
      const stolen = await tokenRequest(running, other, { grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(stolen.status).to.equal(400);
      expect(stolen.body.error).to.equal('invalid_grant');
      expect(stolen.body).to.not.have.property('refresh_token');
      // The owner's second tab, inside the window: the same successor, and the grant lives on.
      const again = await tokenRequest(running, client, { grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(again.status, JSON.stringify(again.body)).to.equal(200);
      expect(again.body.refresh_token).to.equal(first.body.refresh_token);
      const next = await tokenRequest(running, client, { grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) });
      expect(next.status, 'the chain continues').to.equal(200);
    });

    it('gives no grace to confidential clients: reuse revokes the grant', async () => {
      const { client, refreshToken } = await spaSession(running, false);
      const first = await tokenRequest(running, client, { grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(first.status).to.equal(200);
      const again = await tokenRequest(running, client, { grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(again.body.error).to.equal('invalid_grant');
      const successor = await tokenRequest(running, client, { grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) });
      expect(successor.body.error).to.equal('invalid_grant');
    });
  });
}
