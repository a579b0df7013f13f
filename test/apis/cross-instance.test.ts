// APIs are cached per instance for speed; adding or removing one through the CLI takes effect on
// every instance at once, not after the cache lifetime.
import { expect } from 'chai';
import { API_CACHE_MS } from '../../server/apis/registry.ts';
import { cliAt } from '../support/cli.ts';
import { startInstances, type Deployment } from '../support/instances.ts';
import { startLatchkey } from '../support/latchkey.ts';
import { addClient } from '../support/oidc.ts';
import { tokenRequest } from '../support/flows.ts';
import { waitFor } from '../support/wait.ts';

const API = 'https://cross-instance.example.test';

describe('APIs across instances', () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await startInstances(2, { KEY_ROTATION_SCHEDULE: 'off' });
  });
  after(() => deployment.stop());

  /** The CLI, talking to the deployment's admin API through the round-robin proxy. */
  async function cli(argv: string[]) {
    const run = await cliAt(deployment.url, argv);
    expect(run.code, run.stderr).to.equal(0);
  }

  it('serves an API added through the CLI on every instance at once, and stops the moment it is removed', async () => {
    const [a] = deployment.instances as [(typeof deployment.instances)[0]];
    const viaProxy = { ...a, url: deployment.url };
    await cli(['apis', 'add', '--identifier', API, '--scope', 'read']);
    await cli(['clients', 'add', '--id', 'cross-service', '--secret', 'cross-instance-secret-0123456789abcdef', '--grant-type', 'client_credentials', '--resource', `${API}=read`]);
    const client = { clientId: 'cross-service', secret: 'cross-instance-secret-0123456789abcdef' };
    // Two requests through the round-robin proxy: one to each instance.
    const request = () => Promise.all([0, 1].map(() => tokenRequest(viaProxy, client, { grant_type: 'client_credentials', resource: API, scope: 'read' })));

    const served = await request();
    expect(served.map((r) => [r.status, r.body.scope])).to.deep.equal([
      [200, 'read'],
      [200, 'read'],
    ]);

    // Both instances now hold the API in their cache; the announcement travels by pub/sub, so
    // every instance refuses within a second, far less than the cache lifetime.
    await cli(['apis', 'remove', '--identifier', API]);
    expect(API_CACHE_MS).to.be.greaterThan(1_000);
    const refused = await waitFor(request, (answers) => answers.every((r) => r.status === 400), { within: 1_000, what: 'every instance refusing the removed API' });
    expect(refused.map((r) => r.body.error)).to.deep.equal(['invalid_target', 'invalid_target']);

    // Added again with fewer scopes: every instance answers with the new definition.
    await cli(['apis', 'add', '--identifier', API]);
    const renewed = await waitFor(request, (answers) => answers.every((r) => r.status === 200), { within: 1_000, what: 'every instance serving the API again' });
    expect(renewed.map((r) => r.body.scope)).to.deep.equal([undefined, undefined]);
  });

  it('refuses to start an instance whose RESOURCE_SERVERS names an API the store holds, naming the setting', async () => {
    const [a] = deployment.instances as [(typeof deployment.instances)[0]];
    const identifier = 'https://both.example.test';
    await a.latchkey.apis.add({ identifier, scopes: [], accessTokenFormat: 'jwt' });
    const error = await startLatchkey({
      store: 'redis',
      redis: deployment.redis,
      issuer: deployment.url,
      env: {
        KEYS_ENCRYPTION_KEY: a.config.keysEncryptionKeys[0]!.toString('base64url'),
        COOKIE_SECRETS: a.config.cookieSecrets[0]!,
        REDIS_KEY_PREFIX: a.config.redis!.keyPrefix,
        KEY_ROTATION_SCHEDULE: 'off',
        RESOURCE_SERVERS: JSON.stringify([{ identifier }]),
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).name).to.equal('ConfigError');
    expect((error as { problems: string[] }).problems).to.deep.equal([
      `RESOURCE_SERVERS: ${identifier} is also stored through the admin API; keep one (latchkey apis remove --identifier ${identifier}, or drop it from RESOURCE_SERVERS)`,
    ]);
  });
});
