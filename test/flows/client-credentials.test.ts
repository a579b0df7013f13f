// The client credentials grant (RFC 6749 §4.4) for services, with resource indicators (RFC 8707):
// opaque tokens checked by introspection, and RFC 9068 JWT access tokens for registered APIs.
// Each service here is allowed both APIs (allowed_resources); what a service that is not allowed
// gets is in resource-allow-list.test.ts.
import { expect } from 'chai';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, discover } from '../support/oidc.ts';
import { decodeJwt, expectOAuthError, introspector, resourceServer } from '../support/flows.ts';

const API = 'https://api.example.test';
const OPAQUE_API = 'https://opaque.example.test';
const RESOURCE_SERVERS = JSON.stringify([
  { identifier: API, scopes: ['read', 'write'] },
  { identifier: OPAQUE_API, scopes: ['read'], accessTokenFormat: 'opaque' },
]);

for (const store of STORES) {
  describe(`client credentials (${store} store)`, () => {
    let running: Running;
    let opaqueApi: Awaited<ReturnType<typeof resourceServer>>;
    before(async () => {
      running = await startLatchkey({ store, env: { RESOURCE_SERVERS } });
      opaqueApi = await resourceServer(running, [OPAQUE_API]);
    });
    after(() => running.stop());

    async function service(metadata: { scope?: string } = {}) {
      const { clientId, secret } = await addClient(running, {
        redirect_uris: [],
        response_types: [],
        grant_types: ['client_credentials'],
        allowed_resources: { [API]: 'read write', [OPAQUE_API]: 'read' },
        ...metadata,
      });
      return { clientId, config: await discover(running, clientId, secret) };
    }

    it('issues an opaque access token that introspection reports active, with client_id and scope', async () => {
      const { clientId, config } = await service();
      const tokens = await oidc.clientCredentialsGrant(config, { resource: OPAQUE_API, scope: 'read' });
      expect(tokens.token_type).to.equal('bearer');
      expect(tokens.access_token.split('.'), 'opaque, not a JWT').to.have.length(1);
      expect(tokens.scope).to.equal('read');
      expect(tokens.refresh_token, 'no refresh token for client credentials').to.equal(undefined);
      expect(tokens.expires_in).to.be.a('number').above(0);

      // Asked by the API the token is for.
      const info = await opaqueApi.introspect(tokens.access_token);
      expect(info.active).to.equal(true);
      expect(info.client_id).to.equal(clientId);
      expect(info.scope).to.equal('read');
      expect(info.token_type).to.equal('Bearer');
      expect(info.aud).to.satisfy((aud: unknown) => aud === OPAQUE_API || (Array.isArray(aud) && aud.includes(OPAQUE_API)));
      expect(info.sub, 'no end-user: the subject is the client').to.satisfy((sub: unknown) => sub === undefined || sub === clientId);
    });

    it('issues an opaque token without a resource too, which introspection reports active to its client', async () => {
      const { clientId, config } = await service();
      const tokens = await oidc.clientCredentialsGrant(config);
      expect(tokens.access_token.split('.')).to.have.length(1);
      const info = await introspector(config)(tokens.access_token);
      expect(info.active).to.equal(true);
      expect(info.client_id).to.equal(clientId);
    });

    it('issues an RFC 9068 JWT access token for a registered API, signed with a key from jwks_uri', async () => {
      const { clientId, config } = await service();
      const tokens = await oidc.clientCredentialsGrant(config, { resource: API, scope: 'read write' });
      expect(tokens.scope?.split(' ').sort()).to.deep.equal(['read', 'write']);
      const { header } = decodeJwt(tokens.access_token);
      expect(header.typ).to.equal('at+jwt');

      const metadata = config.serverMetadata();
      const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri!));
      const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
        issuer: running.url,
        audience: API,
        typ: 'at+jwt',
      });
      expect(protectedHeader.alg).to.equal('ES256');
      expect(protectedHeader.kid).to.be.a('string');
      expect(payload.aud).to.equal(API);
      expect(payload.client_id).to.equal(clientId);
      expect(payload.sub).to.equal(clientId);
      expect(String(payload.scope).split(' ').sort()).to.deep.equal(['read', 'write']);
      expect(payload.jti).to.be.a('string');
      expect(payload.exp).to.be.a('number').above(payload.iat as number);
    });

    it('narrows the JWT to the requested subset of the API scopes', async () => {
      const { config } = await service();
      const tokens = await oidc.clientCredentialsGrant(config, { resource: API, scope: 'read' });
      expect(decodeJwt(tokens.access_token).payload.scope).to.equal('read');
    });

    it('refuses an unknown resource with invalid_target', async () => {
      const { config } = await service();
      await expectOAuthError(oidc.clientCredentialsGrant(config, { resource: 'https://unknown.example.test', scope: 'read' }), 'invalid_target');
    });

    it('refuses a scope the client is not allowed with invalid_scope', async () => {
      const { config } = await service({ scope: 'openid' });
      await expectOAuthError(oidc.clientCredentialsGrant(config, { scope: 'email' }), 'invalid_scope');
    });

    it('refuses a client that is not registered for the grant', async () => {
      const { clientId, secret } = await addClient(running);
      const config = await discover(running, clientId, secret);
      // RFC 6749 §5.2 would say unauthorized_client; oidc-provider answers invalid_request.
      const error = await expectOAuthError(oidc.clientCredentialsGrant(config, { resource: API, scope: 'read' }), 'invalid_request');
      expect((error as oidc.ResponseBodyError).error_description).to.match(/grant type is not allowed/);
    });
  });
}
