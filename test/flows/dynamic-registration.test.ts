// Dynamic client registration (RFC 7591) and management (RFC 7592), with openid-client's own
// registration over real HTTP against real Redis: a registration needs an initial access token
// an operator issued (single-use unless reusable), the registered client lives in Latchkey's
// client registry beside admin-created ones and signs in through the code flow, it reads, changes
// and deletes itself with its registration access token, registered clients obey the redirect
// URI rules of `clients add`, and neither kind of token is ever stored or logged in the clear.
import { expect } from 'chai';
import { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { cliAt } from '../support/cli.ts';
import { expectOAuthError } from '../support/flows.ts';
import { startLatchkey, TEST_ADMIN_TOKEN, type Running } from '../support/latchkey.ts';
import { addUser, authorize, REDIRECT_URI } from '../support/oidc.ts';

const METADATA = {
  client_name: 'Registered App',
  redirect_uris: [REDIRECT_URI],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_post',
};

async function issueToken(running: Running, body: Record<string, unknown> = {}) {
  const response = await fetch(`${running.url}/admin/clients/registration-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { token: string; expiresAt: number; reusable: boolean; registrationEndpoint: string; error?: string } };
}

function register(running: Running, metadata: Partial<oidc.ClientMetadata>, initialAccessToken?: string) {
  return oidc.dynamicClientRegistration(new URL(running.url), metadata, undefined, { initialAccessToken, execute: [oidc.allowInsecureRequests] });
}

/** A raw /reg call: openid-client has no RFC 7592 management. */
async function reg(running: Running, method: string, path: string, token: string | undefined, body?: unknown) {
  const response = await fetch(new URL(path, running.url), {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

async function dump(running: Running): Promise<string> {
  const redis = new Redis(running.redis!.url);
  const parts: string[] = [];
  try {
    for (const key of await redis.keys(`${running.config.redis!.keyPrefix}*`)) {
      parts.push(key);
      const type = await redis.type(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(...Object.entries(await redis.hgetall(key)).flat());
      else if (type === 'set') parts.push(...(await redis.smembers(key)));
      else if (type === 'zset') parts.push(...(await redis.zrange(key, '0', '-1')));
      else if (type === 'list') parts.push(...(await redis.lrange(key, 0, -1)));
      else if (type === 'stream') for (const [id, fields] of await redis.xrange(key, '-', '+')) parts.push(id, ...fields);
    }
  } finally {
    redis.disconnect();
  }
  return parts.join('\n');
}

describe('dynamic client registration (RFC 7591, RFC 7592)', function () {
  this.timeout(60_000);
  let running: Running;
  const lines: string[] = [];
  before(async () => {
    running = await startLatchkey({ store: 'redis', env: { DYNAMIC_REGISTRATION: 'true', LOG_LEVEL: 'trace' }, logs: { write: (line: string) => void lines.push(line) } });
  });
  after(() => running.stop());

  it('registers a client with an initial access token; it is in the client registry, listed by `clients list`, and signs in through the code flow', async () => {
    const discovered = (await (await fetch(`${running.url}/.well-known/openid-configuration`)).json()) as { registration_endpoint?: string };
    expect(discovered.registration_endpoint).to.equal(`${running.url}/reg`);
    const { status, body: issued } = await issueToken(running);
    expect(status).to.equal(201);
    expect(issued).to.include({ reusable: false, registrationEndpoint: `${running.url}/reg` });

    const config = await register(running, METADATA, issued.token);
    const clientId = config.clientMetadata().client_id;
    const stored = await running.latchkey.clients.get(clientId);
    expect(stored?.registered).to.equal(true);
    expect(stored?.metadata).to.not.have.property('client_secret');
    const list = await cliAt(running.url, ['clients', 'list', '--json']);
    const listed = (JSON.parse(list.stdout) as { clients: { clientId: string; registered?: boolean }[] }).clients.find((c) => c.clientId === clientId);
    expect(listed?.registered).to.equal(true);

    const user = await addUser(running);
    const result = await authorize(config, user.email, { scope: 'openid email profile' });
    const tokens = await oidc.authorizationCodeGrant(config, result.callback, { pkceCodeVerifier: result.verifier, expectedState: result.state, expectedNonce: result.nonce });
    expect(tokens.claims()).to.include({ sub: user.sub, email: user.email });
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, user.sub);
    expect(userinfo.email).to.equal(user.email);

    await running.latchkey.audit.flush();
    const { events } = await running.latchkey.audit.search({ client: clientId, type: 'client.registered', limit: 10 });
    expect(events.map((e) => e.event)).to.have.length(1);
    expect(events[0]!.event).to.include({ client: clientId, public: false, pkceOptional: false });
  });

  it('refuses a registration without an initial access token, with a wrong one, and with a single-use one used already (refused metadata does not use it)', async () => {
    // No credentials: a bare challenge (RFC 6750 §3.1), as openid-client reports it.
    const bare = await register(running, METADATA).catch((error: unknown) => error);
    expect(bare).to.be.instanceOf(oidc.WWWAuthenticateChallengeError);
    expect((bare as oidc.WWWAuthenticateChallengeError).status).to.equal(401);
    await expectOAuthError(register(running, METADATA, 'not-a-token-but-long-enough-to-look-like-one'), 'invalid_token');
    const { body: issued } = await issueToken(running);
    // Metadata refused (by Latchkey's rules or oidc-provider's) does not use the token up.
    await expectOAuthError(register(running, { ...METADATA, initiate_login_uri: 'http://rp.example.test/login' }, issued.token), 'invalid_client_metadata');
    await expectOAuthError(register(running, { ...METADATA, serves_resources: ['https://api.example.test'] }, issued.token), 'invalid_client_metadata');
    await register(running, METADATA, issued.token);
    await expectOAuthError(register(running, METADATA, issued.token), 'invalid_token');
  });

  it('lets a reusable token (`latchkey clients registration-token --reusable`) register several clients', async () => {
    const run = await cliAt(running.url, ['clients', 'registration-token', '--reusable', '--ttl', '600', '--json']);
    expect(run.code, run.stderr).to.equal(0);
    const issued = JSON.parse(run.stdout) as { token: string; reusable: boolean; expiresAt: number };
    expect(issued.reusable).to.equal(true);
    expect(issued.expiresAt - Date.now()).to.be.within(590_000, 600_000);
    const text = await cliAt(running.url, ['clients', 'registration-token']);
    expect(text.stdout).to.match(/^initial access token: \S{20,}\nregistration endpoint: http:\/\/127\.0\.0\.1:\d+\/reg\nregisters one client until /);
    const first = await register(running, METADATA, issued.token);
    const second = await register(running, METADATA, issued.token);
    expect(first.clientMetadata().client_id).to.not.equal(second.clientMetadata().client_id);
  });

  it('registers the code flow of a client that asks for every flow it knows (mod_auth_openidc), and says so', async () => {
    const { body: issued } = await issueToken(running);
    const created = await reg(running, 'POST', '/reg', issued.token, {
      ...METADATA,
      response_types: ['code', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token'],
      grant_types: ['authorization_code', 'implicit', 'refresh_token'],
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body.response_types).to.deep.equal(['code']);
    expect(created.body.grant_types).to.deep.equal(['authorization_code', 'refresh_token']);
    const { body: again } = await issueToken(running);
    const implicitOnly = await reg(running, 'POST', '/reg', again.token, { ...METADATA, response_types: ['id_token'], grant_types: ['implicit'] });
    expect(implicitOnly.status).to.equal(400);
  });

  it('registers a device-flow client without the redirect URIs it cannot use (oidc-agent), and it starts the device flow', async () => {
    const { body: issued } = await issueToken(running);
    // What oidc-agent 4.2 sends for --flow=device.
    const created = await reg(running, 'POST', '/reg', issued.token, {
      application_type: 'web',
      client_name: 'oidc-agent:test',
      response_types: [],
      grant_types: ['refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
      scope: 'openid email profile offline_access',
      redirect_uris: ['http://localhost:4242', 'http://localhost:8080', 'edu.kit.data.oidc-agent:/redirect'],
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body.redirect_uris ?? []).to.deep.equal([]);
    const config = await oidc.discovery(new URL(running.url), created.body.client_id as string, created.body.client_secret as string, undefined, { execute: [oidc.allowInsecureRequests] });
    const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid email' });
    expect(device.user_code).to.be.a('string');
  });

  it('answers malformed metadata with invalid_client_metadata (or invalid_redirect_uri), never a 5xx', async () => {
    const { body: issued } = await issueToken(running, { reusable: true });
    const hostile: Record<string, unknown>[] = [
      { redirect_uris: 5 }, { redirect_uris: null }, { redirect_uris: {} }, { redirect_uris: 'https://rp.example.test/cb' }, { redirect_uris: [1, {}] },
      { post_logout_redirect_uris: 7 }, { response_types: 'code' }, { grant_types: 7 }, { grant_types: [null] }, { response_types: [[]] },
      { pkce: 'optional', token_endpoint_auth_method: 'none' }, { pkce: 7 }, { jwks: 'x' }, { scope: ['openid'] },
    ];
    for (const extra of hostile) {
      const answer = await reg(running, 'POST', '/reg', issued.token, { ...METADATA, ...extra });
      expect(answer.status, JSON.stringify(extra)).to.equal(400);
      expect(answer.body.error, JSON.stringify(extra)).to.be.oneOf(['invalid_client_metadata', 'invalid_redirect_uri']);
    }
    for (const body of ['not json', '[]', 'null', '"x"']) {
      const response = await fetch(`${running.url}/reg`, { method: 'POST', headers: { authorization: `Bearer ${issued.token}`, 'content-type': 'application/json' }, body });
      expect(response.status, body).to.equal(400);
    }
  });

  it('refuses metadata only an administrator may set (APIs the client may use or serves)', async () => {
    const { body: issued } = await issueToken(running, { reusable: true });
    for (const extra of [{ allowed_resources: { 'https://api.example.test': 'read' } }, { serves_resources: ['https://api.example.test'] }]) {
      await expectOAuthError(register(running, { ...METADATA, ...extra }, issued.token), 'invalid_client_metadata');
    }
  });

  it('reads, updates and deletes a registered client with its registration access token (RFC 7592)', async () => {
    const { body: issued } = await issueToken(running);
    const created = await reg(running, 'POST', '/reg', issued.token, METADATA);
    expect(created.status).to.equal(201);
    const clientId = created.body.client_id as string;
    const uri = created.body.registration_client_uri as string;
    const rat = created.body.registration_access_token as string;
    expect(uri).to.equal(`${running.url}/reg/${clientId}`);

    const read = await reg(running, 'GET', uri, rat);
    expect(read.status).to.equal(200);
    expect(read.body).to.include({ client_id: clientId, client_name: 'Registered App' });

    const secret = created.body.client_secret as string;
    const updated = await reg(running, 'PUT', uri, rat, { ...METADATA, client_id: clientId, client_secret: secret, client_name: 'Renamed App', redirect_uris: [REDIRECT_URI, 'https://rp.example.test/other'] });
    expect(updated.status).to.equal(200);
    expect((await running.latchkey.clients.get(clientId))?.metadata.client_name).to.equal('Renamed App');
    // The token rotates on update: the old one is gone.
    const rotated = updated.body.registration_access_token as string;
    expect(rotated).to.be.a('string').and.not.equal(rat);
    expect((await reg(running, 'GET', uri, rat)).status).to.equal(401);

    // An update obeys the same rules as a registration.
    const refused = await reg(running, 'PUT', uri, rotated, { ...METADATA, client_id: clientId, client_secret: secret, allowed_resources: { 'https://api.example.test': 'read' } });
    expect(refused.body.error).to.equal('invalid_client_metadata');

    const deleted = await reg(running, 'DELETE', uri, rotated);
    expect(deleted.status).to.equal(204);
    expect(await running.latchkey.clients.get(clientId)).to.equal(undefined);
    expect((await reg(running, 'GET', uri, rotated)).status).to.equal(401);

    await running.latchkey.audit.flush();
    const { events } = await running.latchkey.audit.search({ client: clientId, limit: 10 });
    expect(events.map((e) => e.event.type).sort()).to.deep.equal(['client.registered', 'client.registration_deleted', 'client.registration_updated']);
  });

  it('ends the grants of a client that deletes itself, as `clients remove` does', async () => {
    const { body: issued } = await issueToken(running);
    const config = await register(running, METADATA, issued.token);
    const { client_id: clientId, registration_access_token: rat, registration_client_uri: uri } = config.clientMetadata() as Record<string, string>;
    const user = await addUser(running);
    const result = await authorize(config, user.email, { scope: 'openid email offline_access' });
    await oidc.authorizationCodeGrant(config, result.callback, { pkceCodeVerifier: result.verifier, expectedState: result.state, expectedNonce: result.nonce });
    expect(await running.latchkey.records.owned('client', clientId!)).to.have.length(1);
    expect((await reg(running, 'DELETE', uri!, rat)).status).to.equal(204);
    for (let i = 0; i < 50 && (await running.latchkey.records.owned('client', clientId!)).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await running.latchkey.records.owned('client', clientId!)).to.deep.equal([]);
  });

  it('cannot read, change or delete an admin-created client through /reg', async () => {
    const { client } = await running.latchkey.clients.add({ client_id: 'admin-made', redirect_uris: [REDIRECT_URI] } as never);
    const { body: issued } = await issueToken(running);
    const other = await reg(running, 'POST', '/reg', issued.token, METADATA);
    const rat = other.body.registration_access_token as string;
    expect((await reg(running, 'GET', `/reg/${client.clientId}`, rat)).status).to.equal(401);
    expect((await reg(running, 'DELETE', `/reg/${client.clientId}`, rat)).status).to.equal(401);
    expect(await running.latchkey.clients.get(client.clientId)).to.not.equal(undefined);
  });

  it('never stores or logs an initial or registration access token, or a client secret, in the clear', async () => {
    const { body: issued } = await issueToken(running, { reusable: true });
    const created = await reg(running, 'POST', '/reg', issued.token, METADATA);
    const rat = created.body.registration_access_token as string;
    const secret = created.body.client_secret as string;
    const redis = await dump(running);
    const logs = lines.join('\n');
    for (const [name, value] of [['initial access token', issued.token], ['registration access token', rat], ['client secret', secret]] as const) {
      expect(value, name).to.be.a('string').with.length.above(20);
      expect(redis.includes(value), `${name} in Redis`).to.equal(false);
      expect(logs.includes(value), `${name} in the log`).to.equal(false);
    }
  });

  it('throttles guesses at tokens, per address (429 with Retry-After)', async () => {
    const guesser = await startLatchkey({ store: 'redis', env: { DYNAMIC_REGISTRATION: 'true' } });
    try {
      for (let i = 0; i < 10; i++) expect((await reg(guesser, 'POST', '/reg', `guess-${i}`, METADATA)).status).to.equal(401);
      const { body: issued } = await issueToken(guesser);
      const response = await fetch(`${guesser.url}/reg`, { method: 'POST', headers: { authorization: `Bearer ${issued.token}`, 'content-type': 'application/json' }, body: JSON.stringify(METADATA) });
      expect(response.status).to.equal(429);
      expect(Number(response.headers.get('retry-after'))).to.be.above(0);
    } finally {
      await guesser.stop();
    }
  });

  it('lets one address register at most 20 clients an hour, even with a good reusable token', async () => {
    const busy = await startLatchkey({ store: 'redis', env: { DYNAMIC_REGISTRATION: 'true' } });
    try {
      const { body: issued } = await issueToken(busy, { reusable: true });
      for (let i = 0; i < 20; i++) expect((await reg(busy, 'POST', '/reg', issued.token, METADATA)).status).to.equal(201);
      const refused = await reg(busy, 'POST', '/reg', issued.token, METADATA);
      expect(refused.status).to.equal(429);
      expect((await busy.latchkey.clients.list({ limit: 100 })).clients).to.have.length(20);
    } finally {
      await busy.stop();
    }
  });
});

describe('dynamic client registration, off and in production', function () {
  this.timeout(60_000);

  it('is off by default: no registration endpoint, and no initial access tokens', async () => {
    const running = await startLatchkey();
    try {
      const discovered = (await (await fetch(`${running.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      expect(discovered).to.not.have.property('registration_endpoint');
      expect((await reg(running, 'POST', '/reg', 'anything', METADATA)).status).to.equal(404);
      const { status, body } = await issueToken(running);
      expect(status).to.equal(409);
      expect(body.error).to.equal('registration_disabled');
    } finally {
      await running.stop();
    }
  });

  it('refuses plain-http redirect URIs off loopback in production, as `clients add` does', async () => {
    const running = await startLatchkey({ store: 'redis', issuer: (url) => url.replace(/^http:/, 'https:'), env: { NODE_ENV: 'production', TRUST_PROXY: 'true', DYNAMIC_REGISTRATION: 'true' } });
    try {
      const headers = { 'x-forwarded-proto': 'https' };
      const issue = async () => {
        const response = await fetch(`${running.url}/admin/clients/registration-tokens`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
        return ((await response.json()) as { token: string }).token;
      };
      const post = async (token: string, redirect: string | string[]) => {
        const response = await fetch(`${running.url}/reg`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ ...METADATA, redirect_uris: typeof redirect === 'string' ? [redirect] : redirect }) });
        return { status: response.status, body: (await response.json()) as Record<string, string> };
      };
      const refused = await post(await issue(), 'http://app.example.com/callback');
      expect(refused.status).to.equal(400);
      // RFC 7591 §3.2.2: a bad redirect URI is invalid_redirect_uri.
      expect(refused.body.error).to.equal('invalid_redirect_uri');
      expect(refused.body.error_description).to.match(/plain http/);
      // Latchkey's rules read only metadata oidc-provider found well-formed.
      for (const redirect of [5, null, {}, [7]]) {
        const malformed = await post(await issue(), redirect as never);
        expect(malformed.status, JSON.stringify(redirect)).to.equal(400);
      }
      expect((await post(await issue(), 'http://127.0.0.1:8080/callback')).status).to.equal(201);
      expect((await post(await issue(), 'https://app.example.com/callback')).status).to.equal(201);
    } finally {
      await running.stop();
    }
  });
});
