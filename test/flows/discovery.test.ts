// Discovery (OpenID Connect Discovery 1.0, RFC 8414) and the published keys (JWKS): what relying
// parties configure themselves from, and the algorithms their ID tokens are signed with.
import { expect } from 'chai';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';
import { decodeJwt } from '../support/flows.ts';

type Metadata = Record<string, unknown> & { issuer: string; jwks_uri: string };

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

async function getJson(url: string): Promise<{ status: number; type: string | null; body: unknown }> {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
}

for (const store of STORES) {
  describe(`discovery and keys (${store} store)`, () => {
    let running: Running;
    let openid: Metadata;
    before(async () => {
      running = await startLatchkey({ store });
      const response = await getJson(`${running.url}/.well-known/openid-configuration`);
      expect(response.status).to.equal(200);
      openid = response.body as Metadata;
    });
    after(() => running.stop());

    it('serves the OpenID configuration, describing what Latchkey does', async () => {
      expect(openid.issuer).to.equal(running.url);
      for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'introspection_endpoint', 'revocation_endpoint', 'end_session_endpoint', 'pushed_authorization_request_endpoint', 'device_authorization_endpoint']) {
        expect(openid[endpoint], endpoint).to.be.a('string');
        expect(new URL(openid[endpoint] as string).origin, endpoint).to.equal(running.url);
      }
      expect(openid.response_types_supported).to.deep.equal(['code']);
      expect(openid.code_challenge_methods_supported).to.deep.equal(['S256']);
      expect(openid.grant_types_supported).to.include.members([
        'authorization_code',
        'refresh_token',
        'client_credentials',
        'urn:ietf:params:oauth:grant-type:device_code',
      ]);
      expect(openid.grant_types_supported).to.not.include('implicit');
      expect(openid.scopes_supported).to.include.members(['openid', 'email', 'profile', 'offline_access']);
      expect(openid.id_token_signing_alg_values_supported).to.have.members(['ES256', 'RS256', 'PS256', 'EdDSA']);
      expect(openid.dpop_signing_alg_values_supported).to.include('ES256');
      expect(openid.authorization_response_iss_parameter_supported).to.equal(true);
      expect(openid.claims_parameter_supported).to.equal(true);
      expect(openid.subject_types_supported).to.include('public');
    });

    it('serves the OAuth authorization server metadata (RFC 8414), consistent with the OpenID configuration', async () => {
      const oauth = await getJson(`${running.url}/.well-known/oauth-authorization-server`);
      expect(oauth.status).to.equal(200);
      expect(oauth.type).to.match(/application\/json/);
      const metadata = oauth.body as Metadata;
      expect(metadata.issuer).to.equal(running.url);
      const shared = new Set([...Object.keys(metadata), ...Object.keys(openid)]);
      for (const key of shared) {
        // Both documents describe the same server; a field present in both must agree.
        if (key in metadata && key in openid) expect(metadata[key], key).to.deep.equal(openid[key]);
      }
      for (const key of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'grant_types_supported', 'code_challenge_methods_supported']) {
        expect(metadata[key], key).to.deep.equal(openid[key]);
      }
    });

    it('is what openid-client discovers', async () => {
      const { clientId, secret } = await addClient(running);
      const config = await discover(running, clientId, secret);
      const metadata = config.serverMetadata();
      expect(metadata.issuer).to.equal(openid.issuer);
      expect(metadata.token_endpoint).to.equal(openid.token_endpoint);
      expect(metadata.supportsPKCE()).to.equal(true);
    });

    it('publishes a public key for each of ES256, RS256, PS256 and EdDSA, with no private members', async () => {
      const jwks = await getJson(openid.jwks_uri);
      expect(jwks.status).to.equal(200);
      const { keys } = jwks.body as { keys: Record<string, unknown>[] };
      expect(keys).to.be.an('array').that.is.not.empty;
      const es = keys.filter((k) => k.alg === 'ES256' || (k.kty === 'EC' && k.crv === 'P-256'));
      const rs = keys.filter((k) => k.alg === 'RS256' || k.kty === 'RSA');
      expect(es, 'an ES256 key').to.not.be.empty;
      expect(rs, 'an RS256 key').to.not.be.empty;
      expect(keys.filter((k) => k.alg === 'PS256' && k.kty === 'RSA'), 'a PS256 key').to.not.be.empty;
      expect(keys.filter((k) => k.alg === 'EdDSA' && k.kty === 'OKP' && k.crv === 'Ed25519'), 'an EdDSA key').to.not.be.empty;
      for (const key of keys) {
        expect(key.kid, 'every key has a kid').to.be.a('string');
        expect(['EC', 'RSA', 'OKP'], `kty ${String(key.kty)}`).to.include(key.kty);
        for (const member of PRIVATE_MEMBERS) expect(key, `key ${String(key.kid)} leaks ${member}`).to.not.have.property(member);
      }
      expect(new Set(keys.map((k) => k.kid)).size, 'kids are unique').to.equal(keys.length);
    });

    it('signs ID tokens with RS256 by default (Dynamic Client Registration §2), with a key from the JWKS', async () => {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running);
      const config = await discover(running, clientId, secret);
      const { tokens } = await signIn(config, user.email, 'openid');
      const { header } = decodeJwt(tokens.id_token!);
      expect(header.alg).to.equal('RS256');
      const { payload } = await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(openid.jwks_uri)), { issuer: running.url, audience: clientId, algorithms: ['RS256'] });
      expect(payload.sub).to.equal(user.sub);
    });

    for (const alg of ['ES256', 'PS256', 'EdDSA'] as const) {
      it(`signs ID tokens with ${alg} for a client registered with id_token_signed_response_alg ${alg}`, async () => {
        const user = await addUser(running);
        const { clientId, secret } = await addClient(running, { id_token_signed_response_alg: alg });
        const config = await discover(running, clientId, secret);
        // Tell openid-client what to expect, so it verifies the signature (not just accepts it).
        const pinned = new oidc.Configuration(config.serverMetadata(), clientId, { id_token_signed_response_alg: alg }, oidc.ClientSecretBasic(secret));
        oidc.allowInsecureRequests(pinned);
        oidc.enableNonRepudiationChecks(pinned);
        const { tokens } = await signIn(pinned, user.email, 'openid');
        const { header } = decodeJwt(tokens.id_token!);
        expect(header.alg).to.equal(alg);
        expect(tokens.claims()!.sub).to.equal(user.sub);
        const { protectedHeader } = await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(openid.jwks_uri)), { issuer: running.url, audience: clientId, algorithms: [alg] });
        expect(protectedHeader.alg).to.equal(alg);
      });
    }
  });
}
