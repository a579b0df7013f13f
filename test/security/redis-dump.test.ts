// A complete dump of Redis holds nothing that works as a credential. Every flow runs (code flow
// with a refresh token, client credentials, device flow, PAR, a signed-in session, a sign-in in
// progress); then every key and value is read out of Redis, and every string in it is tried as a
// bearer token, a refresh token, a code, a device code and a session cookie: none works, and
// none of the credentials the flows handed out appears in the dump at all (the audit stream and
// the activity feeds included), nor in any line of the log at its most verbose level.
import { expect } from 'chai';
import { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, introspector, tokenRequest, walkAuthorization } from '../support/flows.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, PASSWORD, REDIRECT_URI, signIn } from '../support/oidc.ts';

const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

async function dump(running: Running): Promise<string[]> {
  const redis = new Redis(running.redis!.url);
  const prefix = running.config.redis!.keyPrefix;
  const strings: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        strings.push(key);
        const type = await redis.type(key);
        if (type === 'string') strings.push((await redis.get(key)) ?? '');
        else if (type === 'hash') strings.push(...Object.entries(await redis.hgetall(key)).flat());
        else if (type === 'set') strings.push(...(await redis.smembers(key)));
        else if (type === 'zset') strings.push(...(await redis.zrange(key, '0', '-1')));
        else if (type === 'list') strings.push(...(await redis.lrange(key, 0, -1)));
        else if (type === 'stream') for (const [id, fields] of await redis.xrange(key, '-', '+')) strings.push(id, ...fields);
        else strings.push(`unexpected type ${type} at ${key}`);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return strings;
}

/** Every token-like string in the dump: runs of URL-safe characters, whole and split at ':'. */
function candidates(strings: string[]): string[] {
  const found = new Set<string>();
  for (const text of strings) for (const run of text.match(/[\w.~-]{16,}/g) ?? []) {
    found.add(run);
    for (const part of run.split(/[.:]/)) if (part.length >= 16) found.add(part);
  }
  return [...found];
}

describe('a dump of Redis holds no usable credential', function () {
  this.timeout(120_000);
  let running: Running;
  const lines: string[] = [];
  before(async () => {
    running = await startLatchkey({ store: 'redis', logs: { write: (line: string) => void lines.push(line) } });
  });
  after(() => running.stop());

  it('after every flow, no string in it works as a token, code, device code or cookie', async () => {
    const user = await addUser(running);
    const issued: string[] = [];

    // Code flow with offline access: access, refresh and ID tokens, a signed-in session.
    const web = await addClient(running, { grant_types: ['authorization_code', 'refresh_token', 'client_credentials', DEVICE_CODE] });
    const config = await discover(running, web.clientId, web.secret);
    const session = await signIn(config, user.email);
    issued.push(session.tokens.access_token, session.tokens.refresh_token!, session.tokens.id_token!);
    issued.push(...session.browser.cookieValues());
    const refreshed = await oidc.refreshTokenGrant(config, session.tokens.refresh_token!);
    issued.push(refreshed.access_token, refreshed.refresh_token!);

    // An unredeemed authorization code, and a pushed request.
    const request = await authorizationRequest('openid');
    const unredeemed = await walkAuthorization(new Browser([new URL(REDIRECT_URI).origin]), oidc.buildAuthorizationUrl(config, request.params), user.email, PASSWORD);
    issued.push(new URL(unredeemed.url).searchParams.get('code')!);
    const pushed = await fetch(`${running.url}/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${web.clientId}:${web.secret}`).toString('base64')}` },
      body: new URLSearchParams({ ...request.params, client_id: web.clientId, response_type: 'code' }),
    }).then((r) => r.json() as Promise<{ request_uri?: string }>);
    expect(pushed.request_uri, JSON.stringify(pushed)).to.be.a('string');
    issued.push(pushed.request_uri!, pushed.request_uri!.split(':').pop()!);

    // A sign-in in progress: its interaction cookie.
    const pending = new Browser([new URL(REDIRECT_URI).origin]);
    await pending.get(oidc.buildAuthorizationUrl(config, (await authorizationRequest('openid')).params).href);
    issued.push(...pending.cookieValues());

    // Client credentials, and a device authorization not yet approved.
    const service = await oidc.clientCredentialsGrant(config);
    issued.push(service.access_token);
    const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
    issued.push(device.device_code, device.user_code);

    // What a person and a client typed or were given: passwords, client secrets; and the keys.
    const keyset = await running.latchkey.keystore.read();
    const privateKeys = running.latchkey.keystore.privateJwks(keyset!).flatMap((jwk) => ['d', 'p', 'q', 'dp', 'dq', 'qi'].map((f) => (jwk as Record<string, unknown>)[f]).filter((v): v is string => typeof v === 'string'));
    const secrets = [...issued, PASSWORD, web.secret!, ...privateKeys];
    await running.latchkey.audit.flush();
    const strings = await dump(running);
    expect(strings.some((s) => s.includes('"type":"token.issued"')), 'the audit stream is in the dump').to.equal(true);
    const text = strings.join('\n');
    for (const credential of secrets) expect(text.includes(credential), `a credential appears in the dump: ${credential.slice(0, 8)}…`).to.equal(false);
    const logged = lines.join('\n');
    expect(lines.filter((l) => l.includes('"component":"audit"')).length, 'audit events were logged').to.be.greaterThan(5);
    expect(lines.filter((l) => l.includes('"msg":"request"')).length, 'requests were logged').to.be.greaterThan(10);
    for (const credential of secrets) {
      const line = lines.find((l) => l.includes(credential));
      expect(line, `a credential (#${secrets.indexOf(credential)}) appears in the log: ${line?.slice(0, 300).replace(credential, '<credential>')}`).to.equal(undefined);
    }

    // As the clients the credentials were issued to: they alone may introspect them.
    const introspect = introspector(config);
    const tried = candidates(strings);
    expect(tried.length, 'the dump has strings to try').to.be.greaterThan(20);
    const bearer = (token: string) => fetch(`${running.url}/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    const asCookie = (value: string) =>
      fetch(`${running.url}${new URL(oidc.buildAuthorizationUrl(config, { ...request.params, prompt: 'none' })).pathname}?${new URLSearchParams({ ...request.params, client_id: web.clientId, response_type: 'code', prompt: 'none' })}`, {
        redirect: 'manual',
        headers: { cookie: `_session=${value}; _session.legacy=${value}; _interaction=${value}` },
      }).then((r) => new URL(r.headers.get('location') ?? 'http://x/', running.url).searchParams.get('code'));
    for (let i = 0; i < tried.length; i += 20) {
      await Promise.all(
        tried.slice(i, i + 20).map(async (value) => {
          const results = await Promise.all([
            bearer(value),
            // A JWT-shaped string (a pushed request's unsigned request object) is refused outright.
            introspect(value).then((r) => r.active, () => false),
            tokenRequest(running, web, { grant_type: 'refresh_token', refresh_token: value }).then((r) => r.status),
            tokenRequest(running, web, { grant_type: 'authorization_code', code: value, redirect_uri: REDIRECT_URI, code_verifier: request.verifier }).then((r) => r.status),
            tokenRequest(running, web, { grant_type: DEVICE_CODE, device_code: value }).then((r) => [r.status, r.body.error]),
            asCookie(value),
          ]);
          expect(results, `a string from the dump worked: ${value.slice(0, 12)}…`).to.deep.equal([401, false, 400, 400, [400, 'invalid_grant'], null]);
        }),
      );
    }
  });
});
