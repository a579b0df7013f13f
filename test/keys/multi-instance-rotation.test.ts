// Three instances on one Redis behind a proxy, as deployed: a rotation while a client keeps
// fetching tokens fails no request, every token verifies against the JWKS fetched when it is
// verified, and new tokens carry the new kid once it signs. Scheduled jobs firing together
// rotate once; a revoked kid leaves every instance's JWKS within the documented bound.
import { expect } from 'chai';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import * as oidc from 'openid-client';
import { startInstances, type Deployment } from '../support/instances.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';
import { sleep } from '../support/flows.ts';

const API = 'https://api.example.test';
const POLL_SECONDS = 1;

async function jwks(deployment: Deployment): Promise<JSONWebKeySet> {
  const response = await fetch(`${deployment.url}/jwks`);
  expect(response.status).to.equal(200);
  return (await response.json()) as JSONWebKeySet;
}

async function converged(deployment: Deployment, version: number, boundMs: number) {
  const deadline = Date.now() + boundMs;
  while (deployment.instances.some((i) => i.latchkey.keysetVersion() < version)) {
    if (Date.now() > deadline) throw new Error(`instances did not converge on keyset ${version} within ${boundMs} ms`);
    await sleep(20);
  }
}

describe('signing key rotation across three instances', function () {
  this.timeout(60_000);
  let deployment: Deployment;
  before(async () => {
    deployment = await startInstances(3, {
      KEY_ROTATION_SCHEDULE: 'off',
      KEY_PREPUBLICATION_SECONDS: '2',
      JWKS_MAX_AGE_SECONDS: '1',
      KEYS_POLL_SECONDS: String(POLL_SECONDS),
      RESOURCE_SERVERS: JSON.stringify([{ identifier: API, scopes: ['read'] }]),
    });
  });
  after(() => deployment.stop());

  it('rotates under continuous load with zero failed requests, and every token verifies', async () => {
    const [first] = deployment.instances as [(typeof deployment.instances)[0]];
    const user = await addUser(first);
    const spa = await addClient(first, { public: true });
    const service = await addClient(first, { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], allowed_resources: { [API]: 'read' } });
    // Through the round-robin proxy, as one issuer.
    const viaProxy = { ...first, url: deployment.url };
    const spaConfig = await discover(viaProxy, spa.clientId);
    const serviceConfig = await discover(viaProxy, service.clientId, service.secret);
    let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers = (await signIn(spaConfig, user.email, 'openid email offline_access')).tokens;

    const before = (await first.latchkey.keystore.read())!;
    const oldKid = before.keys.find((k) => k.alg === 'ES256' && k.state === 'current')!.kid;
    const newKid = before.keys.find((k) => k.alg === 'ES256' && k.state === 'next')!.kid;

    let failures = 0;
    let issued = 0;
    const kids = new Set<string>();
    let rotated = false;
    const afterRotation: string[] = [];
    const verify = async (token: string, requestedAfterRotation: boolean) => {
      // The JWKS as a relying party would fetch it now, from whichever instance answers.
      await jwtVerify(token, createLocalJWKSet(await jwks(deployment)), { issuer: deployment.url });
      kids.add(decodeProtectedHeader(token).kid!);
      // A request already in flight at the swap finishes on the old Provider, so only requests
      // sent after every instance converged must carry the new kid.
      if (requestedAfterRotation) afterRotation.push(decodeProtectedHeader(token).kid!);
    };
    const load = (async () => {
      for (const deadline = Date.now() + 6_000; Date.now() < deadline; ) {
        try {
          const sentAfterConvergence = rotated;
          tokens = await oidc.refreshTokenGrant(spaConfig, tokens.refresh_token!);
          const api = await oidc.clientCredentialsGrant(serviceConfig, { resource: API, scope: 'read' });
          await verify(tokens.id_token!, sentAfterConvergence);
          await verify(api.access_token, sentAfterConvergence);
          issued += 2;
        } catch (error) {
          failures++;
          console.error(error);
        }
      }
    })();

    // The next key was published at start-up; once the pre-publication window has passed, one
    // instance's scheduled run promotes it.
    await sleep(2_500);
    expect(await deployment.instances[1]!.latchkey.keys.runScheduled(Date.now())).to.equal(true);
    await converged(deployment, before.version + 1, POLL_SECONDS * 1000 + 500);
    rotated = true;
    await load;

    expect(failures).to.equal(0);
    expect(issued).to.be.greaterThan(20);
    expect(kids).to.include(oldKid);
    expect(kids).to.include(newKid);
    const es256After = afterRotation.filter((kid) => kid === oldKid || kid === newKid);
    expect(es256After.length).to.be.greaterThan(0);
    expect(es256After.every((kid) => kid === newKid), 'tokens after convergence are signed by the new key').to.equal(true);
    // The previous key is still published: tokens it signed keep verifying.
    expect((await jwks(deployment)).keys.map((k) => k.kid)).to.include(oldKid);
  });

  it('rotates exactly once when every instance fires the same scheduled slot at the same moment', async () => {
    const before = (await deployment.instances[0]!.latchkey.keystore.read())!;
    const slot = Date.now();
    const results = await Promise.all(deployment.instances.map((i) => i.latchkey.keys.runScheduled(slot)));
    expect(results.filter(Boolean)).to.have.length(1);
    const after = (await deployment.instances[0]!.latchkey.keystore.read())!;
    expect(after.version).to.equal(before.version + 1);
    expect(after.lastRotationAt).to.equal(slot);
    // A late instance waking up for the same slot does nothing.
    expect(await deployment.instances[2]!.latchkey.keys.runScheduled(slot)).to.equal(false);
    expect((await deployment.instances[0]!.latchkey.keystore.read())!.version).to.equal(after.version);
  });

  it('removes a revoked kid from every instance within the poll bound, and its tokens stop verifying', async () => {
    const service = await addClient(deployment.instances[0]!, { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], allowed_resources: { [API]: 'read' } });
    const config = await discover({ ...deployment.instances[0]!, url: deployment.url }, service.clientId, service.secret);
    const token = (await oidc.clientCredentialsGrant(config, { resource: API, scope: 'read' })).access_token;
    const kid = decodeProtectedHeader(token).kid!;
    const version = (await deployment.instances[2]!.latchkey.keys.revoke(kid)).version;
    await converged(deployment, version, POLL_SECONDS * 1000 + 500);
    for (const instance of deployment.instances) {
      const { json } = await deployment.get(instance, '/jwks');
      expect((json as JSONWebKeySet).keys.map((k) => k.kid)).to.not.include(kid);
    }
    let verified = true;
    await jwtVerify(token, createLocalJWKSet(await jwks(deployment))).catch(() => (verified = false));
    expect(verified).to.equal(false);
    const fresh = (await oidc.clientCredentialsGrant(config, { resource: API, scope: 'read' })).access_token;
    expect(decodeProtectedHeader(fresh).kid).to.not.equal(kid);
    await jwtVerify(fresh, createLocalJWKSet(await jwks(deployment)));
  });

  it('converges by polling when the change notification is lost', async () => {
    const [a] = deployment.instances as [(typeof deployment.instances)[0]];
    const current = (await a.latchkey.keystore.read())!;
    // Written behind the instances' backs: no pub/sub message is sent.
    const next = { ...current, version: current.version + 1 };
    expect(await a.latchkey.keystore.replace(current, next)).to.equal(true);
    await converged(deployment, next.version, POLL_SECONDS * 1000 + 500);
  });
});
