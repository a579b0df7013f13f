// ADMIN_LISTEN puts the admin API on an address of its own (a private network, loopback): the
// public origin then knows nothing of it, and the admin address answers nothing else.
import { expect } from 'chai';
import { startLatchkey, TEST_ADMIN_TOKEN, type Running } from '../support/latchkey.ts';

describe('the admin API on its own address (ADMIN_LISTEN)', () => {
  let running: Running;
  before(async () => {
    running = await startLatchkey({ env: { ADMIN_LISTEN: '127.0.0.1:0' } });
  });
  after(() => running.stop());

  const get = (base: string, path: string) =>
    fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, accept: 'application/json' } }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

  it('answers on the admin address', async () => {
    expect(running.adminUrl, 'an admin listener').to.be.a('string');
    const users = await get(running.adminUrl!, '/admin/users');
    expect(users.status).to.equal(200);
    expect(users.body).to.have.property('users');
  });

  it('is not on the public origin, even with the right token', async () => {
    const users = await get(running.url, '/admin/users');
    expect(users.status).to.equal(404);
    expect(users.body.error_description).to.equal('the admin API does not answer on this address');
  });

  it('answers nothing but the admin API on its address', async () => {
    const discovery = await get(running.adminUrl!, '/.well-known/openid-configuration');
    expect(discovery.status).to.equal(404);
    expect((await get(running.url, '/.well-known/openid-configuration')).status).to.equal(200);
  });
});
