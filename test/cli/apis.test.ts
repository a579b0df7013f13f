// latchkey apis add | list | remove, and clients add --resource/--serves, against a Latchkey built
// as it ships (the real admin API and validators). Each test makes its own APIs and clients.
import { expect } from 'chai';
import { cliAt, expectOneLineFailure } from '../support/cli.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { uniqueId } from '../support/oidc.ts';

const STATIC_API = 'https://static-cli.example.test';

describe('latchkey CLI: apis', () => {
  let running: Running;
  before(async () => {
    running = await startLatchkey({ env: { RESOURCE_SERVERS: JSON.stringify([{ identifier: STATIC_API, scopes: ['read'] }]) } });
  });
  after(() => running.stop());

  const cli = (argv: string[]) => cliAt(running.url, argv);
  const identifier = () => `https://${uniqueId('cli-api')}.example.test`;

  it('adds an API with a name, described scopes, a format and a lifetime', async () => {
    const id = identifier();
    const run = await cli(['apis', 'add', '--identifier', id, '--name', 'Orders', '--scope', 'orders:read=See your orders', '--scope', 'orders:write', '--format', 'opaque', '--ttl', '600']);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.equal(`created API ${id}\n`);
    expect(await running.latchkey.apis.get(id)).to.deep.include({
      identifier: id,
      name: 'Orders',
      scopes: [{ name: 'orders:read', description: 'See your orders' }, { name: 'orders:write' }],
      accessTokenFormat: 'opaque',
      accessTokenTTL: 600,
    });
  });

  it('adds with --json, and defaults to JWT tokens with the default lifetime', async () => {
    const id = identifier();
    const run = await cli(['apis', 'add', '--identifier', id, '--json']);
    expect(run.code, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout).api).to.deep.include({ identifier: id, scopes: [], accessTokenFormat: 'jwt', source: 'store' });
  });

  it('lists static and stored APIs, a page at a time', async () => {
    const id = identifier();
    await cli(['apis', 'add', '--identifier', id, '--scope', 'a', '--scope', 'b']);
    const run = await cli(['apis', 'list', '--limit', '1000']);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/^IDENTIFIER\s+NAME\s+FORMAT\s+TTL\s+SOURCE\s+CREATED\s+SCOPES\n/);
    expect(run.stdout).to.match(new RegExp(`${STATIC_API}\\s+-\\s+jwt\\s+default\\s+RESOURCE_SERVERS\\s+-\\s+read\\n`));
    expect(run.stdout).to.match(new RegExp(`${id}\\s+-\\s+jwt\\s+default\\s+store\\s+\\S+Z\\s+a b\\n`));
    const json = JSON.parse((await cli(['apis', 'list', '--limit', '1000', '--json'])).stdout);
    expect(json.apis.map((api: { identifier: string }) => api.identifier)).to.include.members([STATIC_API, id]);
    expect((await cli(['apis', 'list', '--limit', '1'])).stdout).to.match(/\nmore: latchkey apis list --cursor \S+\n$/);
  });

  it('removes an API, then fails to remove it again; a static one not at all', async () => {
    const id = identifier();
    await cli(['apis', 'add', '--identifier', id]);
    const run = await cli(['apis', 'remove', '--identifier', id]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.equal(`removed API ${id}\n`);
    expect(await running.latchkey.apis.get(id)).to.equal(undefined);
    expectOneLineFailure(await cli(['apis', 'remove', '--identifier', id]), new RegExp(`no API with identifier ${id}`));
    expectOneLineFailure(await cli(['apis', 'remove', '--identifier', STATIC_API]), /is defined by RESOURCE_SERVERS/);
  });

  it('refuses bad input in one line', async () => {
    expectOneLineFailure(await cli(['apis', 'add', '--identifier', identifier(), '--ttl', 'soon']), /--ttl must be a positive number of seconds/);
    expectOneLineFailure(await cli(['apis', 'add', '--identifier', identifier(), '--format', 'paseto']), /paseto/);
    expectOneLineFailure(await cli(['apis', 'add', '--identifier', 'https://x.example.test/#frag']), /identifier/);
    expectOneLineFailure(await cli(['apis', 'add', '--identifier', identifier(), '--ttl', '999999']), /accessTokenTTL: at most/);
    expectOneLineFailure(await cli(['apis', 'add']), /--identifier/);
  });

  describe('clients add --resource and --serves', () => {
    it('registers the APIs a client may use, with the scopes allowed there, and the API it serves', async () => {
      const orders = identifier();
      await cli(['apis', 'add', '--identifier', orders, '--scope', 'read', '--scope', 'write']);
      const id = uniqueId('svc');
      const run = await cli(['clients', 'add', '--id', id, '--grant-type', 'client_credentials', '--resource', `${orders}=read write`, '--resource', STATIC_API, '--serves', orders, '--json']);
      expect(run.code, run.stderr).to.equal(0);
      const stored = await running.latchkey.clients.get(id);
      expect(stored?.metadata).to.deep.include({ allowed_resources: { [orders]: 'read write', [STATIC_API]: '' }, serves_resources: [orders] });

      const list = await cli(['clients', 'list', '--limit', '1000']);
      expect(list.stdout).to.match(/APIS\s+SERVES\s+REDIRECT URIS/);
      expect(list.stdout).to.include(`${orders}=read,write ${STATIC_API}`);
    });

    it('refuses an API that is not registered, or a scope it does not define, in one line', async () => {
      const orders = identifier();
      await cli(['apis', 'add', '--identifier', orders, '--scope', 'read']);
      expectOneLineFailure(await cli(['clients', 'add', '--id', uniqueId('svc'), '--grant-type', 'client_credentials', '--resource', 'https://nowhere.example.test=read']), /no API https:\/\/nowhere\.example\.test is registered/);
      expectOneLineFailure(await cli(['clients', 'add', '--id', uniqueId('svc'), '--grant-type', 'client_credentials', '--resource', `${orders}=read delete`]), /has no scope delete/);
      expectOneLineFailure(await cli(['clients', 'add', '--id', uniqueId('spa'), '--public', '--redirect-uri', 'http://localhost:5173/cb', '--serves', orders]), /a public client cannot act as an API/);
    });
  });
});
