// The admin API as it ships: wired by build() (through startLatchkey), with the real client
// validator (oidc-provider's), over real HTTP.
import { expect } from 'chai';
import type { Users } from '../../server/accounts/users.ts';
import { createAdminApi } from '../../server/admin/index.ts';
import { startLatchkey, TEST_ADMIN_TOKEN, type Running } from '../support/latchkey.ts';
import { uniqueId } from '../support/oidc.ts';

const TOKEN = TEST_ADMIN_TOKEN;

interface Harness {
  url: string;
  running: Running;
  users: Users;
  /** Errors Koa saw as server faults (500s). */
  faults: unknown[];
  /** Every response body text, to search for leaked secrets. */
  seen: string[];
  call(method: string, path: string, options?: { body?: unknown; raw?: string; type?: string; token?: string | null; authorization?: string }): Promise<{ status: number; headers: Headers; text: string; json: any }>;
  close(): Promise<void>;
}

async function start({ adminToken, store = 'memory' }: { adminToken: string | undefined; store?: 'memory' | 'redis' }): Promise<Harness> {
  // An empty variable counts as unset: no admin token, the admin API is disabled.
  const running = await startLatchkey({ store, env: { ADMIN_TOKEN: adminToken ?? '' } });
  const faults: unknown[] = [];
  running.latchkey.app.silent = true;
  running.latchkey.app.on('error', (error) => faults.push(error));
  const url = running.url;
  const seen: string[] = [];

  return {
    url,
    running,
    users: running.latchkey.users,
    faults,
    seen,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { accept: 'application/json' };
      const token = options.token === undefined ? TOKEN : options.token;
      if (options.authorization !== undefined) headers.authorization = options.authorization;
      else if (token !== null) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (options.raw !== undefined || options.body !== undefined) {
        body = options.raw ?? JSON.stringify(options.body);
        headers['content-type'] = options.type ?? 'application/json';
      }
      const response = await fetch(url + path, { method, headers, body });
      const text = await response.text();
      seen.push(text);
      let json: any;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
    close: () => running.stop(),
  };
}

describe('admin API', () => {
  describe('when no admin token is configured', () => {
    let h: Harness;
    before(async () => (h = await start({ adminToken: undefined })));
    after(() => h.close());

    it('answers 404 JSON for every /admin request, authenticated or not', async () => {
      for (const [method, path] of [['GET', '/admin/users'], ['POST', '/admin/clients'], ['GET', '/admin'], ['DELETE', '/admin/clients/x']]) {
        const res = await h.call(method!, path!, { body: method === 'POST' ? {} : undefined });
        expect(res.status, `${method} ${path}`).to.equal(404);
        expect(res.json.error).to.equal('not_found');
      }
    });

    it('leaves other paths alone', async () => {
      const res = await h.call('GET', '/administrator');
      expect(res.status).to.equal(404);
      expect(res.json.error_description).to.not.include('admin API');
    });

    it('refuses to be built with an empty token', () => {
      const { users, clients, apis, keystore, keys, revocation, people, activity } = h.running.latchkey;
      expect(() => createAdminApi({ adminToken: '', users, clients, apis, keystore, keys, revocation, people, activity })).to.throw(/must not be empty/);
    });
  });

  describe('with an admin token', () => {
    let h: Harness;
    before(async () => (h = await start({ adminToken: TOKEN })));
    after(async () => {
      await h.close();
      // No response of the whole suite may carry a bcrypt hash.
      for (const text of h.seen) expect(text).not.to.match(/\$2[aby]\$/);
      expect(h.faults, 'no 500s').to.deep.equal([]);
    });

    describe('authentication', () => {
      it('401s without credentials, with a Bearer challenge', async () => {
        const res = await h.call('GET', '/admin/users', { token: null });
        expect(res.status).to.equal(401);
        expect(res.headers.get('www-authenticate')).to.match(/^Bearer\b/);
        expect(res.json.error).to.equal('invalid_token');
      });

      it('401s with a wrong, longer, shorter or non-Bearer token', async () => {
        for (const authorization of [`Bearer ${TOKEN}x`, 'Bearer x', `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, 'Bearer', `Bearer ${TOKEN} extra`]) {
          const res = await h.call('GET', '/admin/users', { authorization });
          expect(res.status, authorization).to.equal(401);
          expect(res.headers.get('www-authenticate')).to.match(/^Bearer\b/);
          expect(res.json.error).to.equal('invalid_token');
        }
      });

      it('checks the token before reading the body', async () => {
        const res = await h.call('POST', '/admin/users', { token: 'wrong', raw: '{not json' });
        expect(res.status).to.equal(401);
      });

      it('accepts the scheme in any case', async () => {
        const res = await h.call('GET', '/admin/users', { authorization: `bearer ${TOKEN}` });
        expect(res.status).to.equal(200);
        expect(res.headers.get('cache-control')).to.equal('no-store');
      });

      it('answers unknown endpoints 404 and wrong methods 405, as JSON', async () => {
        const missing = await h.call('GET', '/admin/nope');
        expect(missing.status).to.equal(404);
        expect(missing.json.error).to.equal('not_found');
        const wrong = await h.call('PUT', '/admin/users', { body: {} });
        expect(wrong.status).to.equal(405);
        expect(wrong.json.error).to.equal('invalid_request');
      });
    });

    describe('users', () => {
      it('creates a user and lists it, without the hash', async () => {
        const res = await h.call('POST', '/admin/users', {
          body: { email: ' Alice@Example.COM ', password: 'correct horse', name: 'Alice', emailVerified: true },
        });
        expect(res.status).to.equal(201);
        expect(res.json.user).to.include({ email: 'alice@example.com', name: 'Alice', emailVerified: true, disabled: false });
        expect(res.json.user).not.to.have.property('passwordHash');
        expect(res.text).not.to.include('correct horse');

        const list = await h.call('GET', '/admin/users');
        expect(list.status).to.equal(200);
        expect(list.json.users.map((u: { email: string }) => u.email)).to.include('alice@example.com');
        expect(list.text).not.to.include('passwordHash');
      });

      it('lists users a page at a time (limit, cursor), each once, and refuses a bad limit', async () => {
        for (const n of [1, 2, 3]) await h.call('POST', '/admin/users', { body: { email: `page-${n}@list.example`, password: 'long enough password' } });
        const first = await h.call('GET', '/admin/users?limit=2');
        expect(first.json.users).to.have.length(2);
        expect(first.json.next).to.be.a('string');
        const emails: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await h.call('GET', `/admin/users?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
          expect(page.status).to.equal(200);
          emails.push(...page.json.users.map((u: { email: string }) => u.email));
          cursor = page.json.next;
        } while (cursor);
        expect(new Set(emails).size).to.equal(emails.length);
        expect(emails).to.include.members(['page-1@list.example', 'page-2@list.example', 'page-3@list.example']);
        for (const query of ['limit=0', 'limit=1001', 'limit=two', 'cursor=', 'extra=1']) {
          expect((await h.call('GET', `/admin/users?${query}`)).status, query).to.equal(400);
        }
      });

      it('409s on a duplicate email, whatever its case', async () => {
        const res = await h.call('POST', '/admin/users', { body: { email: 'ALICE@example.com', password: 'another password' } });
        expect(res.status).to.equal(409);
        expect(res.json.error).to.equal('already_exists');
      });

      it('400s on a password the policy refuses, without echoing it', async () => {
        const res = await h.call('POST', '/admin/users', { body: { email: 'bob@example.com', password: 'short' } });
        expect(res.status).to.equal(400);
        expect(res.json.error).to.equal('invalid_request');
        expect(res.json.error_description).to.match(/at least 8/);
        expect(res.text).not.to.include('"short"');
      });

      it('disables, enables and changes passwords', async () => {
        const disabled = await h.call('POST', '/admin/users/disable', { body: { email: 'alice@example.com' } });
        expect(disabled.status).to.equal(200);
        expect(disabled.json.user.disabled).to.equal(true);
        expect(await h.users.authenticate('alice@example.com', 'correct horse')).to.equal(undefined);

        const enabled = await h.call('POST', '/admin/users/enable', { body: { email: 'alice@example.com' } });
        expect(enabled.json.user.disabled).to.equal(false);

        const changed = await h.call('POST', '/admin/users/password', { body: { email: 'alice@example.com', password: 'battery staple' } });
        expect(changed.status).to.equal(200);
        expect(changed.text).not.to.include('battery staple');
        expect(await h.users.authenticate('alice@example.com', 'battery staple')).to.have.property('email', 'alice@example.com');
        expect(await h.users.authenticate('alice@example.com', 'correct horse')).to.equal(undefined);
      });

      it('404s for an unknown email', async () => {
        for (const path of ['/admin/users/disable', '/admin/users/enable']) {
          const res = await h.call('POST', path, { body: { email: 'nobody@example.com' } });
          expect(res.status).to.equal(404);
          expect(res.json.error).to.equal('not_found');
        }
        const res = await h.call('POST', '/admin/users/password', { body: { email: 'nobody@example.com', password: 'long enough' } });
        expect(res.status).to.equal(404);
      });
    });

    describe('hostile and malformed bodies', () => {
      const endpoints = ['/admin/users', '/admin/users/disable', '/admin/users/enable', '/admin/users/password', '/admin/clients'];
      const bodies: Array<[string, { raw: string; type?: string }]> = [
        ['invalid JSON quoting a password', { raw: '{"email":"a@b","password":"hunter2-secret' }],
        ['an array', { raw: '[1,2,3]' }],
        ['null', { raw: 'null' }],
        ['a bare string', { raw: '"x"' }],
        ['a number', { raw: '42' }],
        ['an empty body', { raw: '' }],
        ['wrong types', { raw: '{"email":42,"password":{"$gt":""},"client_id":["x"]}' }],
        ['a prototype-polluting key', { raw: '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{}}}' }],
        ['deep nesting', { raw: `${'['.repeat(5000)}${']'.repeat(5000)}` }],
        ['form encoding', { raw: 'email=a@b&password=xxxxxxxxxx', type: 'application/x-www-form-urlencoded' }],
        ['text', { raw: '{"email":"a@b.c"}', type: 'text/plain' }],
        ['a bogus charset', { raw: '{}', type: 'application/json; charset=klingon' }],
      ];

      for (const path of endpoints) {
        for (const [label, body] of bodies) {
          it(`${path} answers 4xx JSON to ${label}`, async () => {
            const res = await h.call('POST', path, body);
            expect(res.status, res.text).to.be.within(400, 499);
            expect(res.json).to.have.keys('error', 'error_description');
            expect(res.text).not.to.include('hunter2-secret');
          });
        }
      }

      it('413s on a body over the limit', async () => {
        const res = await h.call('POST', '/admin/users', { body: { email: 'big@example.com', password: 'x'.repeat(200_000) } });
        expect(res.status).to.equal(413);
        expect(res.json.error).to.equal('invalid_request');
      });

      it('400s on unknown user fields and on bad emails', async () => {
        for (const body of [
          { email: 'c@example.com', password: 'long enough', admin: true },
          { email: 'not-an-email', password: 'long enough' },
          { email: 'c@example.com', password: 'long enough', emailVerified: 'yes' },
        ]) {
          const res = await h.call('POST', '/admin/users', { body });
          expect(res.status, JSON.stringify(body)).to.equal(400);
        }
      });
    });

    describe('clients', () => {
      let generated: string;

      it('registers a confidential client and shows its generated secret once', async () => {
        const res = await h.call('POST', '/admin/clients', {
          body: { client_id: 'web', client_name: 'Web', redirect_uris: ['https://web.example/cb'], grant_types: ['authorization_code'], response_types: ['code'] },
        });
        expect(res.status).to.equal(201);
        expect(res.json.client.clientId).to.equal('web');
        expect(res.json.client.metadata).not.to.have.property('client_secret');
        expect(res.json.secret).to.be.a('string').with.length.greaterThan(30);
        generated = res.json.secret;

        const list = await h.call('GET', '/admin/clients');
        expect(list.json.clients.map((c: { clientId: string }) => c.clientId)).to.deep.equal(['web']);
        expect(list.text).not.to.include(generated);
      });

      it('never echoes a secret the caller supplied', async () => {
        const res = await h.call('POST', '/admin/clients', { body: { client_id: 'svc', client_secret: 'supplied-secret-value-0123456789abcdef', grant_types: ['client_credentials'], response_types: [] } });
        expect(res.status).to.equal(201);
        expect(res.json).not.to.have.property('secret');
        expect(res.text).not.to.include('supplied-secret-value');
        const list = await h.call('GET', '/admin/clients');
        expect(list.text).not.to.include('supplied-secret-value');
      });

      it('registers a public client without a secret, and refuses one with a secret', async () => {
        const res = await h.call('POST', '/admin/clients', { body: { client_id: 'spa', token_endpoint_auth_method: 'none', redirect_uris: ['http://localhost:5173/cb'] } });
        expect(res.status).to.equal(201);
        expect(res.json).not.to.have.property('secret');
        const refused = await h.call('POST', '/admin/clients', { body: { client_id: 'spa2', token_endpoint_auth_method: 'none', client_secret: 'nope-nope', redirect_uris: ['http://localhost:5173/cb'] } });
        expect(refused.status).to.equal(400);
        expect(refused.text).not.to.include('nope-nope');
      });

      it('takes the ID token algorithm, PKCE policy, keys and back-channel logout URI, and refuses bad ones', async () => {
        const jwks = { keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' }] };
        const res = await h.call('POST', '/admin/clients', {
          body: { client_id: 'rp', redirect_uris: ['https://rp.example/cb'], token_endpoint_auth_method: 'private_key_jwt', jwks, id_token_signed_response_alg: 'EdDSA', pkce: 'optional', backchannel_logout_uri: 'https://rp.example/bc' },
        });
        expect(res.status, res.text).to.equal(201);
        expect(res.json).not.to.have.property('secret');
        expect(res.json.client.metadata).to.include({ id_token_signed_response_alg: 'EdDSA', pkce: 'optional', backchannel_logout_uri: 'https://rp.example/bc' });
        for (const body of [
          { client_id: 'rp2', redirect_uris: ['https://rp.example/cb'], id_token_signed_response_alg: 'HS256' },
          { client_id: 'rp2', redirect_uris: ['https://rp.example/cb'], pkce: 'sometimes' },
          { client_id: 'rp2', redirect_uris: ['https://rp.example/cb'], jwks: { keys: [] } },
          { client_id: 'rp2', redirect_uris: ['https://rp.example/cb'], token_endpoint_auth_method: 'private_key_jwt', jwks, client_secret: 'a-secret-that-would-be-ignored-0123456789' },
        ]) {
          const refused = await h.call('POST', '/admin/clients', { body });
          expect(refused.status, JSON.stringify(body)).to.equal(400);
        }
        const publicOptional = await h.call('POST', '/admin/clients', { body: { client_id: 'rp3', token_endpoint_auth_method: 'none', redirect_uris: ['http://localhost:5173/cb'], pkce: 'optional' } });
        expect(publicOptional.status).to.equal(400);
        expect(publicOptional.json.error).to.equal('invalid_client_metadata');
      });

      it('409s on a duplicate client_id', async () => {
        const res = await h.call('POST', '/admin/clients', { body: { client_id: 'web', redirect_uris: ['https://web.example/cb'] } });
        expect(res.status).to.equal(409);
        expect(res.json.error).to.equal('already_exists');
      });

      it('400s on bad metadata', async () => {
        for (const body of [
          {},
          { client_id: '' },
          { client_id: 'has space' },
          { client_id: 'x', redirect_uris: 'https://not-an-array' },
          { client_id: 'x', token_endpoint_auth_method: 'magic' },
          { client_id: 'x', 'Weird Key': 1 },
        ]) {
          const res = await h.call('POST', '/admin/clients', { body });
          expect(res.status, JSON.stringify(body)).to.equal(400);
          expect(res.json.error).to.equal('invalid_request');
        }
      });

      it('removes a client: 204, then 404', async () => {
        expect((await h.call('DELETE', '/admin/clients/spa')).status).to.equal(204);
        const again = await h.call('DELETE', '/admin/clients/spa');
        expect(again.status).to.equal(404);
        expect(again.json.error).to.equal('not_found');
        expect((await h.call('DELETE', `/admin/clients/${encodeURIComponent('a/b%c')}`)).status).to.equal(404);
      });

      it('never showed the generated secret anywhere but in its 201', () => {
        expect(h.seen.filter((text) => text.includes(generated))).to.have.length(1);
      });
    });

    describe('keys', () => {
      it('lists the keyset without key material', async () => {
        const res = await h.call('GET', '/admin/keys');
        expect(res.status).to.equal(200);
        expect(res.json.keys).to.have.length(8);
        for (const key of res.json.keys) {
          expect(key).to.have.keys('kid', 'alg', 'state', 'createdAt', 'promotedAt', 'retiredAt', 'expiresAt');
        }
        const states = res.json.keys.map((k: { alg: string; state: string }) => `${k.alg}:${k.state}`).sort();
        expect(states).to.deep.equal(['ES256:current', 'ES256:next', 'EdDSA:current', 'EdDSA:next', 'PS256:current', 'PS256:next', 'RS256:current', 'RS256:next']);
        expect(res.text).not.to.match(/"(d|p|q|dp|dq|qi|data|iv|tag)"/);
      });

      it('rotates now, revokes, rewraps, and 404s an unknown kid', async () => {
        const before = (await h.call('GET', '/admin/keys')).json;
        const rotated = await h.call('POST', '/admin/keys/rotate', { body: { now: true } });
        expect(rotated.status).to.equal(200);
        expect(rotated.json.version).to.be.greaterThan(before.version);
        const current = rotated.json.keys.filter((k: { state: string }) => k.state === 'current');
        expect(current).to.have.length(4);
        const revoked = await h.call('POST', '/admin/keys/revoke', { body: { kid: current[0].kid } });
        expect(revoked.status).to.equal(200);
        expect(revoked.json.keys.map((k: { kid: string }) => k.kid)).to.not.include(current[0].kid);
        expect(revoked.json.keys.filter((k: { alg: string; state: string }) => k.alg === current[0].alg && k.state === 'current')).to.have.length(1);
        expect((await h.call('POST', '/admin/keys/revoke', { body: { kid: 'nope' } })).status).to.equal(404);
        expect((await h.call('POST', '/admin/keys/revoke', { body: { kid: 7 } })).status).to.equal(400);
        const rewrapped = await h.call('POST', '/admin/keys/rewrap', { body: {} });
        expect(rewrapped.status).to.equal(200);
        expect(rewrapped.json.clientsRewrapped).to.be.a('number');
      });
    });
  });

  describe("with oidc-provider's validator", () => {
    let h: Harness;
    before(async () => {
      h = await start({ adminToken: TOKEN, store: 'redis' });
    });
    after(() => h.close());

    it('passes its error through as a 400', async () => {
      const res = await h.call('POST', '/admin/clients', { body: { client_id: uniqueId('web') } });
      expect(res.status).to.equal(400);
      expect(res.json).to.deep.equal({ error: 'invalid_redirect_uri', error_description: 'redirect_uris is mandatory property' });
    });

    it('answers 503 temporarily_unavailable with Retry-After while Redis is down, not a server fault', async () => {
      await h.running.redis!.stop();
      const res = await h.call('POST', '/admin/clients', { body: { client_id: uniqueId('web'), redirect_uris: ['https://x.example/cb'] } });
      expect(res.status).to.equal(503);
      expect(res.headers.get('retry-after')).to.match(/^\d+$/);
      expect(res.json).to.deep.equal({ error: 'temporarily_unavailable', error_description: 'The service is briefly unavailable. Try again shortly.' });
      expect(h.faults).to.have.length(0);
    });
  });
});
