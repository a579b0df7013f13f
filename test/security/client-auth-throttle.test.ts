// Failed client authentications are counted at every endpoint where a client authenticates; past
// the budget the endpoint answers 429 (OAuth JSON, Retry-After) before oidc-provider checks the
// secret, the right one included. Counted per client and address, per address and per client,
// and shared by the instances of a deployment.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { startInstances, type Deployment } from '../support/instances.ts';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, REDIRECT_URI, uniqueId } from '../support/oidc.ts';

const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { error?: string; error_description?: string };
}

async function call(url: string, path: string, params: Record<string, string>, auth: { id: string; secret: string; post?: boolean }, ip: string): Promise<Answer> {
  const form = new URLSearchParams(params);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'x-forwarded-for': ip };
  if (auth.post) {
    form.set('client_id', auth.id);
    form.set('client_secret', auth.secret);
  } else {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(auth.id)}:${encodeURIComponent(auth.secret)}`).toString('base64')}`;
  }
  const response = await fetch(`${url}${path}`, { method: 'POST', headers, body: form });
  const text = await response.text();
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (text ? JSON.parse(text) : {}) as Answer['body'] };
}

const ENDPOINTS: [string, string, (clientId: string) => Promise<Record<string, string>>][] = [
  ['token', '/token', async () => ({ grant_type: 'client_credentials' })],
  ['introspection', '/token/introspection', async () => ({ token: 'some-token' })],
  ['revocation', '/token/revocation', async () => ({ token: 'some-token' })],
  [
    'pushed authorization request',
    '/request',
    async (clientId) => ({ client_id: clientId, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256' }),
  ],
  ['device authorization', '/device/auth', async () => ({ scope: 'openid' })],
];

let lastAddress = 0;
const freshAddress = () => `203.${Math.floor(++lastAddress / 250) % 250}.${lastAddress % 250}.9`;

async function confidentialClient(running: Running) {
  const { clientId, secret } = await addClient(running, { grant_types: ['authorization_code', 'client_credentials', DEVICE_CODE], response_types: ['code'] });
  return { id: clientId, secret: secret! };
}

for (const store of STORES) {
  describe(`client authentication throttling (${store} store)`, function () {
    this.timeout(30_000);
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store, env: { TRUST_PROXY: 'true' } });
    });
    after(() => running.stop());

    for (const [name, path, params] of ENDPOINTS) {
      it(`${name}: 10 wrong secrets, then 429 with Retry-After for the client at that address, the right secret included`, async () => {
        const client = await confidentialClient(running);
        const ip = freshAddress();
        const first = await call(running.url, path, await params(client.id), client, ip);
        expect(first.status, `the right secret works: ${JSON.stringify(first.body)}`).to.be.oneOf([200, 201]);
        for (let i = 0; i < 10; i++) {
          const failed = await call(running.url, path, await params(client.id), { ...client, secret: 'wrong' }, ip);
          expect([failed.status, failed.body.error], `attempt ${i + 1}`).to.deep.equal([401, 'invalid_client']);
        }
        for (const secret of ['wrong', client.secret]) {
          const refused = await call(running.url, path, await params(client.id), { ...client, secret }, ip);
          expect(refused.status).to.equal(429);
          expect(refused.body.error).to.equal('too_many_requests');
          expect(refused.body.error_description).to.match(/^Too many failed client authentications; try again in \d+ seconds\.$/);
          expect(Number(refused.retryAfter)).to.be.within(590, 600);
        }
        // The same client from another address is not held up.
        expect((await call(running.url, path, await params(client.id), client, freshAddress())).status).to.be.oneOf([200, 201]);
      });
    }

    it('counts a client_secret_post client by the client_id in the body', async () => {
      const { clientId, secret } = await addClient(running, { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_post' });
      const ip = freshAddress();
      for (let i = 0; i < 10; i++) expect((await call(running.url, '/token', { grant_type: 'client_credentials' }, { id: clientId, secret: 'wrong', post: true }, ip)).status).to.equal(401);
      expect((await call(running.url, '/token', { grant_type: 'client_credentials' }, { id: clientId, secret: secret!, post: true }, ip)).status).to.equal(429);
    });

    it('holds off an address trying many clients, made-up ones included', async () => {
      const ip = freshAddress();
      for (let i = 0; i < 30; i++) expect((await call(running.url, '/token', { grant_type: 'client_credentials' }, { id: uniqueId('made-up'), secret: 'x' }, ip)).status).to.equal(401);
      const client = await confidentialClient(running);
      expect((await call(running.url, '/token', { grant_type: 'client_credentials' }, client, ip)).status).to.equal(429);
    });

    it('holds off a client guessed at from many addresses', async () => {
      const client = await confidentialClient(running);
      for (let i = 0; i < 100; i++) expect((await call(running.url, '/token', { grant_type: 'client_credentials' }, { ...client, secret: `guess-${i}` }, freshAddress())).status).to.equal(401);
      expect((await call(running.url, '/token', { grant_type: 'client_credentials' }, client, freshAddress())).status).to.equal(429);
    });

    it('does not count what is not a failed authentication', async () => {
      const client = await confidentialClient(running);
      const ip = freshAddress();
      // A bad grant from an authenticated client is the client's mistake, not a guess at its secret.
      for (let i = 0; i < 15; i++) expect((await call(running.url, '/token', { grant_type: 'authorization_code', code: 'nope', redirect_uri: REDIRECT_URI, code_verifier: randomBytes(32).toString('base64url') }, client, ip)).status).to.equal(400);
      expect((await call(running.url, '/token', { grant_type: 'client_credentials' }, client, ip)).status).to.equal(200);
    });
  });
}

describe('client authentication throttling across instances', () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await startInstances(2);
  });
  after(() => deployment.stop());

  function direct(instance: string, auth: string): Promise<number> {
    const target = new URL(instance);
    return new Promise((resolve, reject) => {
      const req = request(
        { host: target.hostname, port: target.port, method: 'POST', path: '/token', headers: { host: new URL(deployment.url).host, authorization: auth, 'content-type': 'application/x-www-form-urlencoded' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end('grant_type=client_credentials');
    });
  }

  it('shares the count: failures through either instance hold the client off on both', async () => {
    const { clientId, secret } = await addClient(deployment.instances[0]!, { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
    const basic = (s: string) => `Basic ${Buffer.from(`${clientId}:${s}`).toString('base64')}`;
    for (let i = 0; i < 10; i++) expect(await direct(deployment.instances[i % 2]!.url, basic('wrong'))).to.equal(401);
    for (const instance of deployment.instances) expect(await direct(instance.url, basic(secret!)), instance.url).to.equal(429);
  });
});
