// The pure rules of provider/resource-access.ts, on data: what getResourceServerInfo answers for a
// client, who may introspect a token, and which client metadata is refused. The same rules
// through real flows are in test/flows/resource-allow-list.test.ts and
// introspection-least-privilege.test.ts.
import { expect } from 'chai';
import type { ResourceServer } from '../../config/index.ts';
import { mayIntrospect, resourceMetadataProblem, resourceServerFor } from '../../server/provider/resource-access.ts';

const API: ResourceServer = { identifier: 'https://api.example.test', scopes: [{ name: 'read' }, { name: 'write' }], accessTokenFormat: 'jwt' };
const ttl = { fallback: 3600, max: 7200 };
const client = (extra: Record<string, unknown> = {}, clientAuthMethod = 'client_secret_basic') => ({ clientId: 'c', clientAuthMethod, ...extra });

describe('resource access rules', () => {
  describe('resourceServerFor', () => {
    it('answers nothing for a client without an allow-list, or for an unknown API', () => {
      expect(resourceServerFor(API, client(), ttl)).to.equal(undefined);
      expect(resourceServerFor(API, client({ allowed_resources: { 'https://other.example.test': 'read' } }), ttl)).to.equal(undefined);
      expect(resourceServerFor(undefined, client({ allowed_resources: { [API.identifier]: 'read' } }), ttl)).to.equal(undefined);
    });

    it("narrows the API's scopes to the client's, and drops scopes the API does not define", () => {
      const info = resourceServerFor(API, client({ allowed_resources: { [API.identifier]: 'write  admin write' } }), ttl);
      expect(info).to.deep.equal({ scope: 'write', audience: API.identifier, accessTokenTTL: 3600, accessTokenFormat: 'jwt' });
      expect(resourceServerFor(API, client({ allowed_resources: { [API.identifier]: '' } }), ttl)?.scope).to.equal('');
    });

    it('holds a lifetime longer than the signing keys are kept for to that bound', () => {
      const allowed = client({ allowed_resources: { [API.identifier]: 'read' } });
      expect(resourceServerFor({ ...API, accessTokenTTL: 600 }, allowed, ttl)?.accessTokenTTL).to.equal(600);
      expect(resourceServerFor({ ...API, accessTokenTTL: 86_400 }, allowed, ttl)?.accessTokenTTL).to.equal(7200);
    });

    it('does not read inherited properties as allowed APIs', () => {
      expect(resourceServerFor({ ...API, identifier: 'constructor' }, client({ allowed_resources: {} }), ttl)).to.equal(undefined);
    });
  });

  describe('mayIntrospect', () => {
    const token = (extra: Record<string, unknown>) => ({ kind: 'AccessToken', clientId: 'owner', ...extra });
    it('lets the owner in, whatever the token', () => {
      const owner = client({}, 'none');
      expect(mayIntrospect({ ...owner, clientId: 'owner' }, token({}))).to.equal(true);
      expect(mayIntrospect({ ...owner, clientId: 'owner' }, token({ kind: 'RefreshToken' }))).to.equal(true);
    });
    it('lets in a confidential client serving the audience, and no one else', () => {
      const api = client({ serves_resources: [API.identifier] });
      expect(mayIntrospect(api, token({ aud: API.identifier }))).to.equal(true);
      expect(mayIntrospect(api, token({ kind: 'ClientCredentials', aud: [API.identifier] }))).to.equal(true);
      expect(mayIntrospect(api, token({ aud: 'https://other.example.test' }))).to.equal(false);
      expect(mayIntrospect(api, token({}))).to.equal(false);
      expect(mayIntrospect(api, token({ kind: 'RefreshToken', aud: API.identifier }))).to.equal(false);
      expect(mayIntrospect(client({ serves_resources: [API.identifier] }, 'none'), token({ aud: API.identifier }))).to.equal(false);
      expect(mayIntrospect(client(), token({ aud: API.identifier }))).to.equal(false);
    });
  });

  describe('resourceMetadataProblem', () => {
    const problem = (key: string, value: unknown, method = 'client_secret_basic') => resourceMetadataProblem(key, value, { token_endpoint_auth_method: method });
    it('accepts absent and well-formed values', () => {
      expect(problem('allowed_resources', undefined)).to.equal(undefined);
      expect(problem('allowed_resources', { [API.identifier]: 'read write', 'urn:example:api': '' })).to.equal(undefined);
      expect(problem('serves_resources', [API.identifier])).to.equal(undefined);
      expect(problem('serves_resources', [], 'none')).to.equal(undefined);
    });
    it('names each problem', () => {
      expect(problem('allowed_resources', [API.identifier])).to.match(/^allowed_resources must be an object/);
      expect(problem('allowed_resources', { 'not a uri': 'read' })).to.match(/is not an absolute URI/);
      expect(problem('allowed_resources', { 'https://x.example.test/#f': 'read' })).to.match(/is not an absolute URI/);
      expect(problem('allowed_resources', { [API.identifier]: ['read'] })).to.match(/space-separated string/);
      expect(problem('allowed_resources', { [API.identifier]: 'read "quoted"' })).to.match(/scope tokens/);
      expect(problem('allowed_resources', Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`https://a${i}.example.test`, ''])))).to.match(/at most 50/);
      expect(problem('serves_resources', API.identifier)).to.match(/^serves_resources must be an array/);
      expect(problem('serves_resources', [API.identifier, API.identifier])).to.equal('serves_resources must name each API once');
      expect(problem('serves_resources', [API.identifier], 'none')).to.equal('serves_resources: a public client cannot act as an API');
    });
  });
});
