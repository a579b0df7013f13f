// Wrong admin tokens are counted per client address; past the budget even the right token from
// that address is refused (429, Retry-After) before it is compared. The address is the one the
// trusted proxy appended to X-Forwarded-For, never what the client wrote further left, and the
// count is shared by every instance on one Redis.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { expect } from 'chai';
import { startInstances, type Deployment } from '../support/instances.ts';
import { startLatchkey, STORES, TEST_ADMIN_TOKEN, type Running } from '../support/latchkey.ts';

async function admin(url: string, token: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/admin/users?limit=1`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...headers } });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { error?: string; error_description?: string } };
}
/** One instance directly, as the issuer (fetch cannot set Host). */
function adminOn(instance: string, issuer: string, token: string): Promise<number> {
  const target = new URL(instance);
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: '/admin/users?limit=1', headers: { host: new URL(issuer).host, authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}
const wrong = () => `wrong-${randomBytes(16).toString('hex')}`;

for (const store of STORES) {
  describe(`admin token throttling (${store} store)`, () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store, env: { TRUST_PROXY: 'true' } });
    });
    after(() => running.stop());

    it('refuses an address after 10 wrong tokens, the right one included, with 429 JSON and Retry-After', async () => {
      const from = { 'x-forwarded-for': '203.0.113.10' };
      for (let i = 0; i < 10; i++) expect((await admin(running.url, wrong(), from)).status, `attempt ${i + 1}`).to.equal(401);
      for (const token of [wrong(), TEST_ADMIN_TOKEN]) {
        const refused = await admin(running.url, token, from);
        expect(refused.status).to.equal(429);
        expect(refused.body.error).to.equal('too_many_requests');
        expect(refused.body.error_description).to.match(/too many wrong admin tokens/);
        expect(Number(refused.retryAfter)).to.be.within(890, 900);
      }
      // Another address is not held up.
      expect((await admin(running.url, TEST_ADMIN_TOKEN, { 'x-forwarded-for': '203.0.113.11' })).status).to.equal(200);
    });

    it('counts the address the proxy appended: a forged leftmost X-Forwarded-For buys no fresh budget', async () => {
      const through = (forged: string) => ({ 'x-forwarded-for': `${forged}, 198.51.100.20` });
      for (let i = 0; i < 10; i++) expect((await admin(running.url, wrong(), through(`10.0.0.${i}`))).status).to.equal(401);
      expect((await admin(running.url, TEST_ADMIN_TOKEN, through('10.9.9.9'))).status).to.equal(429);
      expect((await admin(running.url, TEST_ADMIN_TOKEN, through('198.51.100.21'))).status).to.equal(429);
    });
  });
}

describe('admin token throttling behind two proxies (TRUST_PROXY_HOPS=2)', () => {
  let running: Running;
  before(async () => {
    running = await startLatchkey({ env: { TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '2' } });
  });
  after(() => running.stop());

  it('counts the second entry from the right, whatever the client wrote before it', async () => {
    // client-written, client (appended by the outer proxy), outer proxy (appended by the inner one)
    const through = (forged: string, proxy: string) => ({ 'x-forwarded-for': `${forged}, 192.0.2.30, ${proxy}` });
    for (let i = 0; i < 10; i++) expect((await admin(running.url, wrong(), through(`10.0.0.${i}`, `10.1.0.${i}`))).status).to.equal(401);
    expect((await admin(running.url, TEST_ADMIN_TOKEN, through('10.9.9.9', '10.1.9.9'))).status).to.equal(429);
    expect((await admin(running.url, TEST_ADMIN_TOKEN, { 'x-forwarded-for': '192.0.2.30, 192.0.2.31, 10.1.0.1' })).status).to.equal(200);
  });
});

describe('admin token throttling across instances', () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await startInstances(2);
  });
  after(() => deployment.stop());

  it('shares the count: failures spread over two instances refuse the address on both', async () => {
    for (let i = 0; i < 10; i++) expect((await admin(deployment.url, wrong())).status).to.equal(401);
    for (const instance of deployment.instances) expect(await adminOn(instance.url, deployment.url, TEST_ADMIN_TOKEN), instance.url).to.equal(429);
  });
});
