// The Client reuse in front of oidc-provider's Client.find: one Client per metadata object from
// the registry, a fresh one for a fresh object, and static clients answered without the adapter.
import { expect } from 'chai';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';
import { reuseClientInstances } from '../../server/provider/client-instances.ts';

const client = (id: string, secret: string) => ({
  client_id: id,
  client_secret: secret,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  id_token_signed_response_alg: 'ES256' as const,
});

describe('client instances', () => {
  const stored = new Map<string, AdapterPayload>();
  let reads: string[] = [];
  const adapter = {
    async find(id: string) {
      reads.push(id);
      return stored.get(id);
    },
  } as unknown as Adapter;
  let provider: Provider;
  before(async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    provider = new Provider('http://127.0.0.1:1', {
      jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: 'k' }] },
      features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
      clients: [client('static-app', 'static-secret-0123456789abcdef0123456789')],
      adapter: (name: string) => (name === 'Client' ? adapter : (undefined as unknown as Adapter)),
    });
    reuseClientInstances(provider, adapter, new Set(['static-app']));
  });
  beforeEach(() => {
    reads = [];
  });

  it('keeps the Client built from one metadata object, and builds anew for a new object', async () => {
    stored.set('app', client('app', 'first-secret-0123456789abcdef0123456789'));
    const first = await provider.Client.find('app');
    expect(first?.clientSecret).to.equal('first-secret-0123456789abcdef0123456789');
    expect(await provider.Client.find('app')).to.equal(first);
    stored.set('app', client('app', 'second-secret-0123456789abcdef012345678'));
    const second = await provider.Client.find('app');
    expect(second).to.not.equal(first);
    expect(second?.clientSecret).to.equal('second-secret-0123456789abcdef012345678');
    stored.delete('app');
    expect(await provider.Client.find('app')).to.equal(undefined);
  });

  it('answers static clients without reading the adapter', async () => {
    const found = await provider.Client.find('static-app');
    expect(found?.clientId).to.equal('static-app');
    expect(reads).to.deep.equal([]);
  });

  it('answers nothing for ids that are not strings or empty', async () => {
    expect(await provider.Client.find('')).to.equal(undefined);
    expect(await provider.Client.find(undefined as unknown as string)).to.equal(undefined);
  });
});
