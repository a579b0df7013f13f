// The example API (examples/api) as a resource server, without a browser: which of Latchkey's
// access tokens it accepts (JWTs through the JWKS, opaque ones through introspection) and which it
// refuses, with RFC 6750 challenges.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { freePort } from '../support/net.ts';
import { API_SCOPE, startExample, startStack, type Example, type Stack } from './support.ts';

// A second instance of the example, standing for an API whose tokens Latchkey keeps opaque.
const OPAQUE_API = 'https://opaque-api.example.test';

describe('example API', function () {
  this.timeout(30_000);
  let stack: Stack;
  let opaqueApi: Example;
  let service: oidc.Configuration;

  before(async () => {
    stack = await startStack({}, [{ identifier: OPAQUE_API, scopes: ['read'], accessTokenFormat: 'opaque' }]);
    const { clients } = stack.latchkey.latchkey;
    // A service allowed both APIs, as `clients add --resource` registers it.
    const { secret } = await clients.add({
      client_id: 'a-service',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      allowed_resources: { [stack.api.url]: API_SCOPE, [OPAQUE_API]: 'read' },
    });
    service = await oidc.discovery(new URL(stack.latchkey.url), 'a-service', secret, oidc.ClientSecretBasic(secret!), { execute: [oidc.allowInsecureRequests] });
    const introspector = await clients.add({ client_id: 'opaque-api', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], serves_resources: [OPAQUE_API] });
    opaqueApi = await startExample('api', await freePort(), {
      LATCHKEY_URL: stack.latchkey.url,
      API_AUDIENCE: OPAQUE_API,
      API_SCOPE: 'read',
      INTROSPECTION_CLIENT_ID: 'opaque-api',
      INTROSPECTION_CLIENT_SECRET: introspector.secret!,
    });
  });
  after(async () => {
    await opaqueApi?.stop();
    await stack?.stop();
  });

  const hello = (api: Example, authorization?: string) =>
    fetch(`${api.url}/api/hello`, { headers: authorization ? { authorization } : {} });
  const tokenFor = async (parameters: Record<string, string> = {}) => (await oidc.clientCredentialsGrant(service, parameters)).access_token;

  it('accepts a JWT access token issued for it, checked against the JWKS', async () => {
    const token = await tokenFor({ resource: stack.api.url, scope: API_SCOPE });
    expect(token.split('.'), 'a JWT').to.have.length(3);
    const response = await hello(stack.api, `Bearer ${token}`);
    expect(response.status).to.equal(200);
    expect(await response.json()).to.include({ token_format: 'jwt', checked_by: 'signature (JWKS)', client_id: 'a-service', sub: 'a-service' });
  });

  it('accepts an opaque access token issued for it, checked through introspection', async () => {
    const token = await tokenFor({ resource: OPAQUE_API, scope: 'read' });
    expect(token.split('.'), 'opaque').to.have.length(1);
    const response = await hello(opaqueApi, `Bearer ${token}`);
    expect(response.status).to.equal(200);
    expect(await response.json()).to.include({ token_format: 'opaque', checked_by: 'introspection', client_id: 'a-service' });
  });

  it('refuses tokens meant for another API, whatever their format', async () => {
    const jwt = await hello(opaqueApi, `Bearer ${await tokenFor({ resource: stack.api.url, scope: API_SCOPE })}`);
    expect(jwt.status).to.equal(401);
    expect(jwt.headers.get('www-authenticate')).to.match(/error="invalid_token"/);
    // Latchkey tells an API nothing about another API's tokens: to it they are not active.
    const opaque = await hello(stack.api, `Bearer ${await tokenFor({ resource: OPAQUE_API, scope: 'read' })}`);
    expect(opaque.status).to.equal(401);
    expect(await opaque.json()).to.deep.equal({ error: 'invalid_token', error_description: 'the token is not active' });
  });

  it('refuses a token without an audience: Latchkey keeps it to its own client', async () => {
    for (const api of [stack.api, opaqueApi]) {
      const response = await hello(api, `Bearer ${await tokenFor()}`);
      expect(response.status).to.equal(401);
      expect(await response.json()).to.deep.equal({ error: 'invalid_token', error_description: 'the token is not active' });
    }
  });

  it('refuses a token without the API’s scope with insufficient_scope', async () => {
    const response = await hello(stack.api, `Bearer ${await tokenFor({ resource: stack.api.url })}`);
    expect(response.status).to.equal(403);
    expect(response.headers.get('www-authenticate')).to.match(/^Bearer .*error="insufficient_scope".*scope="api:read"/);
  });

  it('refuses a tampered JWT, an unknown token, and requests without a bearer token', async () => {
    const [header, payload, signature] = (await tokenFor({ resource: stack.api.url, scope: API_SCOPE })).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
    const tampered = await hello(stack.api, `Bearer ${header}.${forged}.${signature}`);
    expect(tampered.status).to.equal(401);
    expect(tampered.headers.get('www-authenticate')).to.match(/error="invalid_token"/);

    expect((await hello(opaqueApi, 'Bearer not-a-token')).status).to.equal(401);
    for (const authorization of [undefined, 'Basic YTpi']) {
      const response = await hello(stack.api, authorization);
      expect(response.status).to.equal(401);
      expect(response.headers.get('www-authenticate')).to.equal('Bearer realm="example-api"');
    }
  });
});
