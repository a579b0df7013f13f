// /admin/apis as it ships (build(), through startLatchkey, over real HTTP), and the API checks
// /admin/clients makes on allowed_resources and serves_resources.
import { expect } from 'chai';
import { startLatchkey, TEST_ADMIN_TOKEN, type Running } from '../support/latchkey.ts';
import { uniqueId } from '../support/oidc.ts';

const STATIC_API = 'https://static.example.test';

describe('admin API: apis', () => {
  let running: Running;
  const faults: unknown[] = [];
  before(async () => {
    running = await startLatchkey({ env: { RESOURCE_SERVERS: JSON.stringify([{ identifier: STATIC_API, name: 'Static', scopes: ['read'] }]) } });
    running.latchkey.app.silent = true;
    running.latchkey.app.on('error', (error) => faults.push(error));
  });
  after(async () => {
    await running.stop();
    expect(faults, 'no 500s').to.deep.equal([]);
  });

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${running.url}/admin/${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
  }
  const identifier = () => `https://${uniqueId('api')}.example.test/v1`;

  it('registers an API and answers it back, scopes normalised, with its source', async () => {
    const id = identifier();
    const res = await call('POST', 'apis', {
      identifier: id,
      name: 'Orders',
      scopes: ['orders:read', { name: 'orders:write', description: 'Place orders for you' }],
      accessTokenFormat: 'opaque',
      accessTokenTTL: 600,
    });
    expect(res.status).to.equal(201);
    expect(res.json.api).to.deep.include({
      identifier: id,
      name: 'Orders',
      scopes: [{ name: 'orders:read' }, { name: 'orders:write', description: 'Place orders for you' }],
      accessTokenFormat: 'opaque',
      accessTokenTTL: 600,
      source: 'store',
    });
    expect(res.json.api.createdAt).to.be.a('number');
    expect((await running.latchkey.apis.get(id))?.name).to.equal('Orders');
  });

  it('lists static and stored APIs together, by identifier, a page at a time', async () => {
    const ids = [identifier(), identifier(), identifier()];
    for (const id of ids) expect((await call('POST', 'apis', { identifier: id })).status).to.equal(201);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call('GET', `apis?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).to.equal(200);
      expect(page.json.apis.length).to.be.at.most(2);
      seen.push(...page.json.apis.map((api: { identifier: string }) => api.identifier));
      cursor = page.json.next;
    } while (cursor);
    expect(seen, 'each once, in order').to.deep.equal([...new Set(seen)].sort());
    expect(seen).to.include.members([STATIC_API, ...ids]);
    const all = await call('GET', 'apis?limit=1000');
    expect(all.json.apis.find((api: { identifier: string }) => api.identifier === STATIC_API)).to.deep.equal({
      identifier: STATIC_API,
      name: 'Static',
      scopes: [{ name: 'read' }],
      accessTokenFormat: 'jwt',
      source: 'RESOURCE_SERVERS',
    });
    expect((await call('GET', 'apis?limit=0')).status).to.equal(400);
  });

  it('removes an API by its percent-encoded identifier: 204, then 404', async () => {
    const id = identifier();
    await call('POST', 'apis', { identifier: id });
    expect((await call('DELETE', `apis/${encodeURIComponent(id)}`)).status).to.equal(204);
    expect(await running.latchkey.apis.get(id)).to.equal(undefined);
    const again = await call('DELETE', `apis/${encodeURIComponent(id)}`);
    expect([again.status, again.json.error]).to.deep.equal([404, 'not_found']);
  });

  it('leaves RESOURCE_SERVERS APIs alone: adding or removing one is a 409 naming the setting', async () => {
    const add = await call('POST', 'apis', { identifier: STATIC_API });
    expect(add.status).to.equal(409);
    expect(add.json.error_description).to.equal(`${STATIC_API} is defined by RESOURCE_SERVERS; change that setting to change it`);
    const remove = await call('DELETE', `apis/${encodeURIComponent(STATIC_API)}`);
    expect(remove.status).to.equal(409);
    expect(await running.latchkey.apis.get(STATIC_API)).to.include({ source: 'RESOURCE_SERVERS' });
  });

  it('409s on a duplicate identifier', async () => {
    const id = identifier();
    await call('POST', 'apis', { identifier: id });
    const res = await call('POST', 'apis', { identifier: id });
    expect([res.status, res.json.error]).to.deep.equal([409, 'already_exists']);
  });

  it('400s on bad bodies, and on a lifetime longer than the signing keys are kept for', async () => {
    for (const body of [
      {},
      { identifier: 'not a uri' },
      { identifier: 'https://api.example.test/#fragment' },
      { identifier: `https://${'a'.repeat(600)}.example.test` },
      { identifier: identifier(), scopes: ['has space'] },
      { identifier: identifier(), scopes: ['dup', 'dup'] },
      { identifier: identifier(), scopes: [{ name: 'x', description: '' }] },
      { identifier: identifier(), accessTokenFormat: 'paseto' },
      { identifier: identifier(), accessTokenTTL: 0 },
      { identifier: identifier(), accessTokenTTL: 1.5 },
      { identifier: identifier(), unknown: true },
    ]) {
      const res = await call('POST', 'apis', body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.json.error).to.equal('invalid_request');
    }
    const tooLong = await call('POST', 'apis', { identifier: identifier(), accessTokenTTL: 10 * 24 * 3600 });
    expect(tooLong.status).to.equal(400);
    expect(tooLong.json.error_description).to.match(/^accessTokenTTL: at most 3600 seconds/);
  });

  describe('clients naming APIs', () => {
    const client = (extra: Record<string, unknown>) => ({ client_id: uniqueId('svc'), grant_types: ['client_credentials'], response_types: [], redirect_uris: [], ...extra });

    it('registers a client allowed an API and serving one', async () => {
      const orders = identifier();
      await call('POST', 'apis', { identifier: orders, scopes: ['read', 'write'] });
      const res = await call('POST', 'clients', client({ allowed_resources: { [orders]: 'read', [STATIC_API]: '' }, serves_resources: [STATIC_API] }));
      expect(res.status, JSON.stringify(res.json)).to.equal(201);
      expect(res.json.client.metadata).to.deep.include({ allowed_resources: { [orders]: 'read', [STATIC_API]: '' }, serves_resources: [STATIC_API] });
    });

    it('refuses an API that is not registered, a scope the API does not define, and bad shapes', async () => {
      const orders = identifier();
      await call('POST', 'apis', { identifier: orders, scopes: ['read'] });
      const unknownApi = await call('POST', 'clients', client({ allowed_resources: { 'https://nowhere.example.test': 'read' } }));
      expect([unknownApi.status, unknownApi.json.error_description]).to.deep.equal([400, 'allowed_resources: no API https://nowhere.example.test is registered (latchkey apis add)']);
      const unknownScope = await call('POST', 'clients', client({ allowed_resources: { [orders]: 'read delete' } }));
      expect([unknownScope.status, unknownScope.json.error_description]).to.deep.equal([400, `allowed_resources: ${orders} has no scope delete`]);
      const unknownServed = await call('POST', 'clients', client({ serves_resources: ['https://nowhere.example.test'] }));
      expect(unknownServed.status).to.equal(400);
      for (const extra of [{ allowed_resources: ['https://x.example.test'] }, { allowed_resources: { 'not a uri': 'read' } }, { serves_resources: 'https://x.example.test' }]) {
        expect((await call('POST', 'clients', client(extra))).status, JSON.stringify(extra)).to.equal(400);
      }
      const spa = await call('POST', 'clients', { client_id: uniqueId('spa'), token_endpoint_auth_method: 'none', redirect_uris: ['http://localhost:5173/cb'], serves_resources: [orders] });
      expect([spa.status, spa.json.error_description]).to.deep.equal([400, 'serves_resources: a public client cannot act as an API']);
    });
  });
});
