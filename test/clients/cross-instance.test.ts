// Clients are cached per instance for speed; removing one takes effect on every instance at
// once, not after the cache lifetime.
import { expect } from 'chai';
import { startInstances, type Deployment } from '../support/instances.ts';
import { addClient } from '../support/oidc.ts';
import { CLIENT_CACHE_MS } from '../../server/clients/registry.ts';
import { tokenRequest } from '../support/flows.ts';
import { waitFor } from '../support/wait.ts';

describe('clients across instances', () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await startInstances(2, { KEY_ROTATION_SCHEDULE: 'off' });
  });
  after(() => deployment.stop());

  it('stops serving a removed client on every instance at once', async () => {
    const [a] = deployment.instances as [(typeof deployment.instances)[0]];
    const client = await addClient(a, { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
    // Through the round-robin proxy: consecutive requests reach both deployment.
    const viaProxy = { ...a, url: deployment.url };
    const request = () => tokenRequest(viaProxy, client, { grant_type: 'client_credentials' });
    expect((await Promise.all([request(), request()])).map((r) => r.status)).to.deep.equal([200, 200]);
    expect(await a.latchkey.clients.remove(client.clientId)).to.equal(true);
    // The announcement travels by pub/sub: every instance refuses within a second, far less than
    // the cache lifetime a lost announcement would fall back on.
    expect(CLIENT_CACHE_MS).to.be.greaterThan(1_000);
    const refused = await waitFor(
      // Two requests through the round-robin proxy: one to each instance.
      () => Promise.all([request(), request()]),
      (answers) => answers.every((r) => r.status === 401),
      { within: 1_000, what: 'every instance refusing the removed client' },
    );
    expect(refused.map((r) => [r.status, r.body.error])).to.deep.equal([
      [401, 'invalid_client'],
      [401, 'invalid_client'],
    ]);
  });

  it('serves a client re-registered under the same id with its new secret, on every instance', async () => {
    const [a] = deployment.instances as [(typeof deployment.instances)[0]];
    const viaProxy = { ...a, url: deployment.url };
    const old = await addClient(a, { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
    const request = (client: { clientId: string; secret?: string }) => tokenRequest(viaProxy, client, { grant_type: 'client_credentials' });
    // Both instances have now built (and keep) a Client from the first registration.
    expect((await Promise.all([request(old), request(old)])).map((r) => r.status)).to.deep.equal([200, 200]);

    await a.latchkey.clients.remove(old.clientId);
    const renewed = await addClient(a, { client_id: old.clientId, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
    // Each pair through the round-robin proxy reaches both instances.
    await waitFor(() => Promise.all([request(old), request(old), request(renewed), request(renewed)]), (answers) => answers.map((r) => r.status).join() === '401,401,200,200', {
      within: 1_000,
      what: 'every instance serving the new registration only',
    });

    const answers = await Promise.all([request(old), request(old), request(renewed), request(renewed)]);
    expect(answers.map((r) => [r.status, r.body.error ?? r.body.token_type])).to.deep.equal([
      [401, 'invalid_client'],
      [401, 'invalid_client'],
      [200, 'Bearer'],
      [200, 'Bearer'],
    ]);
  });
});
