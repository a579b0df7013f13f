import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import type { ClientMetadata } from 'oidc-provider';
import { ConfigError } from '../../config/index.ts';
import { addClient, discover, uniqueId } from '../support/oidc.ts';

describe('clients', () => {
  describe('secrets at rest (redis store)', () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store: 'redis' });
    });
    after(() => running.stop());

    it('never stores a client secret in the clear, and still authenticates with it', async () => {
      const { clientId, secret } = await addClient(running, { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
      expect(secret).to.be.a('string').with.length.greaterThan(30);
      const redis = new Redis(running.redis!.url);
      try {
        const keys = await redis.keys(`${running.config.redis!.keyPrefix}*`);
        for (const key of keys) {
          const type = await redis.type(key);
          const values = type === 'hash' ? Object.values(await redis.hgetall(key)) : type === 'string' ? [await redis.get(key)] : [];
          for (const value of values) expect(value, key).to.not.include(secret);
        }
      } finally {
        redis.disconnect();
      }
      const config = await discover(running, clientId, secret);
      const tokens = await oidc.clientCredentialsGrant(config);
      expect(tokens.access_token).to.be.a('string');
    });
  });

  describe('static clients from CLIENTS_FILE, with private_key_jwt', () => {
    let running: Running;
    let dir: string;
    let privateKey: CryptoKey;
    before(async () => {
      const pair = await generateKeyPair('ES256', { extractable: true });
      privateKey = pair.privateKey;
      const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'rp-key-1', alg: 'ES256', use: 'sig' };
      dir = await mkdtemp(join(tmpdir(), 'latchkey-clients-'));
      const file = join(dir, 'clients.json');
      await writeFile(
        file,
        JSON.stringify([
          {
            client_id: 'static-service',
            token_endpoint_auth_method: 'private_key_jwt',
            token_endpoint_auth_signing_alg: 'ES256',
            jwks: { keys: [jwk] },
            grant_types: ['client_credentials'],
            response_types: [],
            redirect_uris: [],
          },
        ]),
      );
      running = await startLatchkey({ env: { CLIENTS_FILE: file } });
    });
    after(async () => {
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('authenticates a static client by a signed JWT assertion', async () => {
      const config = await discover(running, 'static-service', undefined, oidc.PrivateKeyJwt({ key: privateKey, kid: 'rp-key-1' }));
      const tokens = await oidc.clientCredentialsGrant(config);
      expect(tokens.token_type.toLowerCase()).to.equal('bearer');
    });

    it('refuses an assertion signed by another key', async () => {
      const other = await generateKeyPair('ES256');
      const config = await discover(running, 'static-service', undefined, oidc.PrivateKeyJwt({ key: other.privateKey, kid: 'rp-key-1' }));
      try {
        await oidc.clientCredentialsGrant(config);
        expect.fail('expected invalid_client');
      } catch (error) {
        expect((error as oidc.ResponseBodyError).error).to.equal('invalid_client');
      }
    });
  });
});

describe("Latchkey's client rules", () => {
  describe('in production', () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store: 'redis', issuer: (url) => url.replace(/^http:/, 'https:'), env: { NODE_ENV: 'production', TRUST_PROXY: 'true' } });
    });
    after(() => running.stop());

    const add = (metadata: Record<string, unknown>) => running.latchkey.clients.add({ client_id: uniqueId('rules'), ...metadata } as ClientMetadata).then(() => 'registered', (e: Error & { error?: string }) => `${e.error}: ${e.message}`);

    it('refuses plain-http redirect URIs off loopback, and takes https, loopback http and private-use schemes', async () => {
      expect(await add({ redirect_uris: ['http://app.example.com/callback'] })).to.match(/^invalid_client_metadata: redirect_uris: http:\/\/app\.example\.com\/callback uses plain http/);
      expect(await add({ redirect_uris: ['https://app.example.com/callback'], post_logout_redirect_uris: ['http://app.example.com/'] })).to.match(/^invalid_client_metadata: post_logout_redirect_uris: /);
      expect(await add({ redirect_uris: ['https://app.example.com/callback'] })).to.equal('registered');
      expect(await add({ redirect_uris: ['http://127.0.0.1:8080/callback'], token_endpoint_auth_method: 'none', application_type: 'native' })).to.equal('registered');
      expect(await add({ redirect_uris: ['com.example.app:/callback'], token_endpoint_auth_method: 'none', application_type: 'native' })).to.equal('registered');
    });

    it('refuses a client secret shorter than 32 characters', async () => {
      expect(await add({ redirect_uris: ['https://app.example.com/cb'], client_secret: 'x' })).to.match(/^invalid_client_metadata: client_secret: must have at least 32 characters/);
      expect(await add({ redirect_uris: ['https://app.example.com/cb'], client_secret: 'y'.repeat(32) })).to.equal('registered');
    });
  });

  it('refuses at start-up a CLIENTS_FILE client with a plain-http redirect URI in production', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latchkey-clients-'));
    const file = join(dir, 'clients.json');
    await writeFile(file, JSON.stringify([{ client_id: 'static-web', client_secret: 'z'.repeat(40), redirect_uris: ['http://web.example.com/cb'] }]));
    try {
      const error = await startLatchkey({ store: 'redis', issuer: (url) => url.replace(/^http:/, 'https:'), env: { NODE_ENV: 'production', CLIENTS_FILE: file } }).then(
        async (r) => (await r.stop(), undefined),
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).problems[0]).to.match(/^CLIENTS_FILE: client static-web: redirect_uris: .*plain http/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
