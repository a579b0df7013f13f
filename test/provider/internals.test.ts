// Each undocumented oidc-provider behaviour Latchkey relies on (server/provider/internals.ts),
// checked against the installed library: by what Latchkey gets out of it, and, where the
// behaviour is the library's own and hard to provoke, by the library source it was read from.
// When an upgrade changes any of them, this fails and names which.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, interactionPolicy, type Adapter, type AdapterPayload } from 'oidc-provider';
import { StoreUnavailableError } from '../../server/errors.ts';
import { alreadyConsumed, CHECKED_AGAINST, isRefreshTokenReuse, issueInitialAccessToken, presentedInitialAccessToken, PRESENTED_ERROR_FIELDS, PROVIDER_BODY_LIMIT, reuseClientInstances } from '../../server/provider/internals.ts';
import { Browser } from '../support/browser.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';

const LIB = dirname(fileURLToPath(import.meta.resolve('oidc-provider')));
const source = (file: string) => readFileSync(join(LIB, file), 'utf8');

describe('oidc-provider internals Latchkey relies on', () => {
  it(`runs against the version they were checked against (${CHECKED_AGAINST})`, () => {
    const installed = (JSON.parse(readFileSync(join(LIB, '..', 'package.json'), 'utf8')) as { version: string }).version;
    const minor = (v: string) => v.split('.').slice(0, 2).join('.');
    expect(minor(installed), 'oidc-provider was upgraded: check every entry of server/provider/internals.ts, then update CHECKED_AGAINST').to.equal(minor(CHECKED_AGAINST));
  });

  it('3. the token endpoint reads ctx.req while readable, with the 56 KiB limit Latchkey mirrors', () => {
    const body = source('shared/selective_body.js');
    expect(body).to.include('const LIMIT = 56 * 1024;');
    expect(PROVIDER_BODY_LIMIT).to.equal(56 * 1024);
    expect(body).to.match(/if \(ctx\.req\.readable\) \{\s+return readBody\(ctx\.req, ctx\.request\.length, ctx\.charset\);/);
  });

  it('4. a found refresh token with `consumed` revokes the grant; a failed consume() does not', () => {
    const grant = source('actions/grants/refresh_token.js');
    expect(grant).to.match(/if \(refreshToken\.consumed\) \{\s+await Promise\.all\(\[\s+refreshToken\.destroy\(\),\s+revoke\(ctx, refreshToken\.grantId\),/);
    expect(grant).to.match(/await refreshToken\.consume\(\);\s+ctx\.oidc\.entity\('RotatedRefreshToken'/);
  });

  it('11. an error thrown inside the library is presented by statusCode, expose, message and error_description', () => {
    expect(source('helpers/err_out.js')).to.match(/if \(expose\) \{\s+return \{\s+error: message,\s+\.\.\.\(description !== undefined \? \{ error_description: description \}/);
    expect(source('shared/error_handler.js')).to.include('ctx.status = err.statusCode || 500;');
    expect(source('shared/error_handler.js')).to.include("if (out.error === 'server_error') {");
    expect(source('shared/authorization_error_handler.js')).to.include('ctx.status = err.statusCode || 500;');
    // The store's error carries exactly those fields (the Redis-down tests in test/faults/ see the
    // result at every endpoint).
    const error = new StoreUnavailableError(new Error('Connection is closed.')) as unknown as Record<string, unknown>;
    for (const field of PRESENTED_ERROR_FIELDS) expect(error, field).to.have.property(field);
    expect(error).to.include({ statusCode: 503, expose: true, message: 'temporarily_unavailable' });
  });

  it('5. the device pages still throw the unsaved-session TypeError the workaround recognises', () => {
    expect(source('models/session.js')).to.include("throw new TypeError('persist can only be called on previously persisted Sessions')");
  });

  it('7. a poll names its code in ctx.oidc.params.device_code; a DeviceCode with `error` set answers that error and refuses its user code', () => {
    const grant = source('actions/grants/device_code.js');
    expect(grant).to.include('ctx.oidc.params.device_code,');
    expect(grant).to.match(/if \(!code\.accountId && !code\.error\) \{\s+throw new AuthorizationPending\(\);/);
    expect(grant).to.match(/await consumeGrantSource\(ctx, code, 'device code'\);\s+throwIfAsyncGrantError\(code\);/);
    const verification = source('actions/code_verification.js');
    expect(verification).to.include('if (code.error || code.accountId || code.inFlight) {');
    expect(verification).to.match(/Object\.assign\(code, \{\s+error: 'access_denied',\s+errorDescription: 'End-User aborted interaction',\s+\}\);\s+await code\.save\(\);/);
    // Still no slow_down of its own: the device polling throttle supplies it.
    expect(grant).to.not.include('SlowDown');
  });

  it('6. the errors for consumed codes and tokens say what the library says', () => {
    expect(source('helpers/grant_source.js')).to.include('throw new InvalidGrant(`${label} already consumed`);');
    expect(source('actions/authorization/respond.js')).to.include("new InvalidRequestUri('request_uri is invalid, expired, or was already used')");
    for (const model of ['AuthorizationCode', 'RefreshToken', 'DeviceCode']) {
      const error = alreadyConsumed(model) as Error & { error?: string; error_detail?: string };
      expect(error.error, model).to.equal('invalid_grant');
      expect(error.error_detail, model).to.match(/ already consumed$/);
    }
    expect((alreadyConsumed('PushedAuthorizationRequest') as Error & { error?: string }).error).to.equal('invalid_request_uri');
  });

  it('9. outgoing requests get an SSRF-checking dispatcher in options.dispatcher, then go to the fetch option', () => {
    const request = source('helpers/fetch_request.js');
    expect(request).to.include("socket.destroy(new Error('hostname resolves to a special-use IP address'));");
    expect(request).to.match(/if \(dispatcher\) \{\s+options\.dispatcher = dispatcher;\s+\}\s+return instance\(provider\)\.configuration\.fetch\(url, options\);/);
  });

  it('10. offline_access is dropped unless prompt has consent; the requestable consent prompt forces itself with the check consent_prompt', () => {
    expect(source('actions/authorization/scopes.js')).to.match(
      /if \(scopes\.includes\('offline_access'\)\) \{\s+if \(\s+\(PARAM_LIST\.has\('response_type'\) && !responseType\.includes\('code'\)\)\s+\|\| \(PARAM_LIST\.has\('prompt'\) && !prompts\.has\('consent'\)\)/,
    );
    expect(source('helpers/interaction_policy/prompt.js')).to.match(/checks\.unshift\(new Check\(`\$\{name\}_prompt`, `\$\{name\} prompt was not resolved`, error, \(ctx\) => \{\s+const \{ oidc \} = ctx;\s+if \(oidc\.prompts\.has\(name\) && oidc\.promptPending\(name\)\) \{/);
    const policy = interactionPolicy.base();
    expect(policy.get('consent')!.checks.map((check) => check.reason)[0]).to.equal('consent_prompt');
  });

  it('13. an InitialAccessToken takes its own expiresIn; the registration request holds it as entities.InitialAccessToken, never consumed, its policies run before the client is built', async () => {
    expect(source('models/base_token.js')).to.match(/if \(typeof expiresIn !== 'undefined'\) \{\s+this\.expiresIn = expiresIn;/);
    const registration = source('actions/registration.js');
    expect(registration).to.include("const iat = await provider.InitialAccessToken.find(ctx.oidc.getAccessToken());");
    expect(registration).to.include("ctx.oidc.entity('InitialAccessToken', iat);");
    expect(registration).to.match(/await implementations\[policy\]\(ctx, properties\);\s+\}\s+if \(rat && !\('policies' in rat\)\) \{\s+rat\.policies = policies;\s+\}\s+\}\s+const client = await addClient/);
    expect(registration).to.not.match(/InitialAccessToken\.(consume|destroy)|iat\.(consume|destroy)/);
    const provider = new Provider('http://localhost:3999', { features: { registration: { enabled: true, initialAccessToken: true, policies: { p: () => undefined } } } });
    const { token, expiresAt } = await issueInitialAccessToken(provider, { expiresIn: 120, policies: ['p'] });
    const found = await provider.InitialAccessToken.find(token);
    expect(found?.policies).to.deep.equal(['p']);
    expect(found!.exp! - found!.iat!).to.equal(120);
    expect(Math.abs(expiresAt - found!.exp! * 1000)).to.be.below(1000);
    expect(presentedInitialAccessToken({ oidc: { entities: { InitialAccessToken: found } } } as never)).to.deep.equal({ jti: token, policies: ['p'] });
  });

  it('12. a reused refresh token is refused with InvalidGrant and the detail the audit trail recognises', () => {
    const grant = source('actions/grants/refresh_token.js');
    expect(grant).to.match(/if \(refreshToken\.consumed\) \{\s+await Promise\.all\(\[[^\]]+\]\);\s+throw new InvalidGrant\('refresh token already used'\);/);
    expect(isRefreshTokenReuse(new errors.InvalidGrant('refresh token already used'))).to.equal(true);
    expect(isRefreshTokenReuse(new errors.InvalidGrant('grant request is invalid'))).to.equal(false);
  });

  it('3. a refresh read ahead by the grace window is parsed by oidc-provider without its fallback warning', async () => {
    // A fresh process: the library warns once per process.
    const child = spawnSync(process.execPath, [join(import.meta.dirname, 'fixtures', 'refresh-with-grace.ts')], { encoding: 'utf8', timeout: 30_000 });
    expect(child.status, child.stderr).to.equal(0);
    const { status, warnings } = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { status: number; warnings: string[] };
    expect(status).to.equal(200);
    expect(warnings.filter((w) => w.includes('already parsed request body'))).to.deep.equal([]);
  });

  describe('in a running Latchkey', () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey();
    });
    after(() => running.stop());

    it('2. the xsrf secret read for the logout page is the one oidc-provider checks', async () => {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running);
      const { browser } = await signIn(await discover(running, clientId, secret), user.email, 'openid');
      const confirm = await browser.get(`${running.url}/session/end`);
      const xsrf = confirm.doc.querySelector('input[name="xsrf"]')?.getAttribute('value');
      expect(xsrf, 'the logout form carries the secret').to.match(/^[0-9a-f]{48}$/);
      const forged = await browser.navigate('POST', `${running.url}/session/end/confirm`, new URLSearchParams({ xsrf: 'f'.repeat(48), logout: 'yes' }));
      expect(forged.status).to.equal(400);
      const done = await browser.navigate('POST', `${running.url}/session/end/confirm`, new URLSearchParams({ xsrf: xsrf!, logout: 'yes' }));
      expect(done.status).to.equal(200);
      expect(done.doc.querySelector('h1')?.text.trim()).to.equal('You have signed out');
    });

    it('5. a device page without a stored session is a 400 page, not a 500', async () => {
      const page = await new Browser().get(`${running.url}/device/no-such-uid`);
      expect(page.status).to.equal(400);
      expect(page.html).to.include('Enter the code from your device again');
    });
  });
});

const client = (id: string, secret: string) => ({
  client_id: id,
  client_secret: secret,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  id_token_signed_response_alg: 'ES256' as const,
});

describe('1. Client instances reused per metadata object', () => {
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
