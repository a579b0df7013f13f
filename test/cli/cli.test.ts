// The latchkey CLI against a Latchkey built as it ships (build(), through startLatchkey): the real
// client validator, the real admin API. Each test makes its own users and clients, so any one of
// them runs alone or in any order.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Users } from '../../server/accounts/users.ts';
import type { ClientRegistry } from '../../server/clients/registry.ts';
import { startLatchkey, TEST_ADMIN_TOKEN, type Running } from '../support/latchkey.ts';
import { uniqueId } from '../support/oidc.ts';
import { runCliAs } from '../support/cli.ts';

const TOKEN = TEST_ADMIN_TOKEN;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('latchkey CLI', () => {
  let running: Running;
  let url: string;
  let users: Users;
  let clients: ClientRegistry;
  let cwd: string;

  before(async () => {
    running = await startLatchkey();
    ({ url } = running);
    ({ users, clients } = running.latchkey);
    cwd = await mkdtemp(join(tmpdir(), 'latchkey-cli-'));
  });

  after(async () => {
    await running.stop();
    await rm(cwd, { recursive: true, force: true });
  });

  const email = () => `${uniqueId('cli')}@example.com`;
  const addUser = async (address = email(), name = 'Alice') => {
    const run = await cli(['users', 'add', '--email', address, '--name', name, '--password-stdin'], { stdin: 'correct horse staple' });
    expect(run.code, run.stderr).to.equal(0);
    return address;
  };

  async function cli(
    argv: string[],
    { stdin = '', env = { LATCHKEY_URL: url, LATCHKEY_ADMIN_TOKEN: TOKEN }, dir = cwd }: { stdin?: string; env?: Record<string, string>; dir?: string } = {},
  ): Promise<Run> {
    return runCliAs(argv, { stdin, env, cwd: dir });
  }

  function expectOneLineFailure(run: Run, pattern: RegExp) {
    expect(run.code, run.stderr).to.not.equal(0);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.match(/^latchkey: [^\n]+\n$/);
    expect(run.stderr).to.match(pattern);
  }

  describe('users', () => {
    it('adds a user with the password from stdin, minus one trailing newline', async () => {
      const address = `${uniqueId('Mixed')}@Example.com`;
      const run = await cli(['users', 'add', '--email', address, '--name', 'Alice', '--password-stdin'], { stdin: 'correct horse \n' });
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal(`created user ${address.toLowerCase()} (sub ${(await users.findByEmail(address))!.sub})\n`);
      expect(await users.authenticate(address, 'correct horse ')).to.have.property('name', 'Alice');
    });

    it('adds a user whose address is verified with --email-verified, unverified without', async () => {
      const verified = email();
      expect((await cli(['users', 'add', '--email', verified, '--email-verified', '--password-stdin'], { stdin: 'correct horse staple' })).code).to.equal(0);
      expect((await users.findByEmail(verified))!.emailVerified).to.equal(true);
      const unverified = await addUser();
      expect((await users.findByEmail(unverified))!.emailVerified).to.equal(false);
    });

    it('lists users, as a table and as JSON', async () => {
      const address = await addUser();
      const table = await cli(['users', 'list', '--limit', '1000']);
      expect(table.code).to.equal(0);
      expect(table.stdout).to.match(/^EMAIL\s+NAME\s+STATUS/);
      expect(table.stdout).to.match(new RegExp(`${address.replace(/[.]/g, '\\.')}\\s+Alice\\s+active`));

      const json = await cli(['users', 'list', '--limit', '1000', '--json']);
      expect(json.code).to.equal(0);
      const body = JSON.parse(json.stdout) as { users: Array<Record<string, unknown>> };
      expect(body.users.map((user) => user.email)).to.include(address);
      expect(json.stdout).not.to.include('passwordHash');
    });

    it('lists a page at a time, and says how to get the next one', async () => {
      await addUser();
      await addUser();
      const first = await cli(['users', 'list', '--limit', '1']);
      expect(first.code, first.stderr).to.equal(0);
      const cursor = /\nmore: latchkey users list --cursor (\S+)\n$/.exec(first.stdout)?.[1];
      expect(cursor, first.stdout).to.be.a('string');
      const next = JSON.parse((await cli(['users', 'list', '--limit', '1', '--cursor', cursor!, '--json'])).stdout) as { users: { email: string }[] };
      expect(next.users).to.have.length(1);
      expect(next.users[0]!.email > cursor!).to.equal(true);
      expectOneLineFailure(await cli(['users', 'list', '--limit', '0']), /limit/);
    });

    it('fails with one line on a duplicate (409)', async () => {
      const address = await addUser();
      const run = await cli(['users', 'add', '--email', address.toUpperCase(), '--password-stdin'], { stdin: 'another password' });
      expectOneLineFailure(run, /already exists/);
    });

    it('refuses an empty stdin and a password the policy rejects', async () => {
      expectOneLineFailure(await cli(['users', 'add', '--email', email(), '--password-stdin']), /no password on stdin/);
      expectOneLineFailure(await cli(['users', 'add', '--email', email(), '--password-stdin'], { stdin: 'short\n' }), /at least 8 characters/);
    });

    it('insists on --password-stdin', async () => {
      expectOneLineFailure(await cli(['users', 'add', '--email', email()]), /--password-stdin/);
    });

    it('disables, enables and sets passwords', async () => {
      const address = await addUser();
      const disabled = await cli(['users', 'disable', '--email', address, '--json']);
      expect(disabled.code).to.equal(0);
      expect(JSON.parse(disabled.stdout).user.disabled).to.equal(true);
      expect((await users.findByEmail(address))!.disabled).to.equal(true);

      const enabled = await cli(['users', 'enable', '--email', address]);
      expect(enabled.stdout).to.equal(`enabled user ${address}\n`);

      const changed = await cli(['users', 'set-password', '--email', address, '--password-stdin'], { stdin: 'battery staple\r\n' });
      expect(changed.code, changed.stderr).to.equal(0);
      expect(changed.stdout).to.equal(`password changed for ${address}; signed out of 0 sessions, access of 0 apps removed\n`);
      expect(await users.authenticate(address, 'battery staple')).to.not.equal(undefined);

      expectOneLineFailure(await cli(['users', 'disable', '--email', 'nobody@example.com']), /no user with email nobody@example\.com/);
    });
  });

  describe('clients', () => {
    it('adds a confidential client and prints its generated secret once', async () => {
      const id = uniqueId('web');
      const run = await cli(['clients', 'add', '--id', id, '--name', 'Web', '--redirect-uri', 'https://web.example/cb', '--redirect-uri', 'https://web.example/cb2', '--scope', 'openid email']);
      expect(run.code, run.stderr).to.equal(0);
      const [created, secretLine, note] = run.stdout.trimEnd().split('\n');
      expect(created).to.equal(`created client ${id}`);
      expect(note).to.match(/cannot be shown again/);
      const secret = secretLine?.replace(/^client secret: /, '');
      expect(secret).to.match(/^[\w-]{40,}$/);

      const stored = await clients.adapter().find(id);
      expect(stored).to.include({ client_secret: secret, client_name: 'Web', scope: 'openid email' });
      expect(stored?.redirect_uris).to.deep.equal(['https://web.example/cb', 'https://web.example/cb2']);
      expect(stored?.grant_types).to.deep.equal(['authorization_code', 'refresh_token']);
      expect(stored?.response_types).to.deep.equal(['code']);
    });

    it('adds a public client, with --json', async () => {
      const run = await cli(['clients', 'add', '--id', uniqueId('spa'), '--public', '--redirect-uri', 'http://localhost:5173/cb', '--json']);
      expect(run.code, run.stderr).to.equal(0);
      const body = JSON.parse(run.stdout);
      expect(body).not.to.have.property('secret');
      expect(body.client.metadata.token_endpoint_auth_method).to.equal('none');
    });

    it('adds a service with a supplied secret and no response types', async () => {
      const id = uniqueId('svc');
      const run = await cli(['clients', 'add', '--id', id, '--secret', 'supplied-secret-value-0123456789abcdef', '--grant-type', 'client_credentials']);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal(`created client ${id}\n`);
      const stored = await clients.adapter().find(id);
      expect(stored).to.include({ client_secret: 'supplied-secret-value-0123456789abcdef' });
      expect(stored?.response_types).to.deep.equal([]);
    });

    it('adds a private_key_jwt client with its JWKS (inline or @file), ID token algorithm, PKCE policy and logout URIs', async () => {
      const jwks = { keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'rp-1', alg: 'ES256', use: 'sig' }] };
      const file = join(cwd, 'jwks.json');
      await writeFile(file, JSON.stringify(jwks));
      for (const given of [JSON.stringify(jwks), `@${file}`]) {
        const id = uniqueId('pkjwt');
        const run = await cli([
          'clients', 'add', '--id', id, '--redirect-uri', 'https://web.example/cb', '--post-logout-redirect-uri', 'https://web.example/',
          '--auth-method', 'private_key_jwt', '--jwks', given, '--id-token-alg', 'ES256', '--pkce', 'optional',
          '--backchannel-logout-uri', 'https://web.example/backchannel',
        ]);
        expect(run.code, run.stderr).to.equal(0);
        expect(run.stdout, 'no secret for private_key_jwt').to.equal(`created client ${id}\n`);
        const stored = await clients.adapter().find(id);
        expect(stored).to.include({ token_endpoint_auth_method: 'private_key_jwt', id_token_signed_response_alg: 'ES256', pkce: 'optional', backchannel_logout_uri: 'https://web.example/backchannel', backchannel_logout_session_required: true });
        expect(stored).to.not.have.property('client_secret');
        expect(stored?.jwks).to.deep.equal(jwks);
        expect(stored?.post_logout_redirect_uris).to.deep.equal(['https://web.example/']);
      }
      const post = uniqueId('post');
      expect((await cli(['clients', 'add', '--id', post, '--redirect-uri', 'https://web.example/cb', '--auth-method', 'client_secret_post', '--jwks-uri', 'https://web.example/jwks'])).code).to.equal(0);
      expect(await clients.adapter().find(post)).to.include({ token_endpoint_auth_method: 'client_secret_post', jwks_uri: 'https://web.example/jwks' });
    });

    it("adds the README's device-flow client: public, no redirect URI", async () => {
      const id = uniqueId('tv');
      const run = await cli(['clients', 'add', '--id', id, '--public', '--grant-type', 'urn:ietf:params:oauth:grant-type:device_code', '--grant-type', 'refresh_token']);
      expect(run.code, run.stderr).to.equal(0);
      const stored = await clients.adapter().find(id);
      expect(stored?.grant_types).to.deep.equal(['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token']);
      expect(stored?.response_types).to.deep.equal([]);
    });

    it('refuses an unknown ID token algorithm or PKCE policy, PKCE optional for a public client, and a JWKS that is not one', async () => {
      expectOneLineFailure(await cli(['clients', 'add', '--id', uniqueId('x'), '--redirect-uri', 'https://web.example/cb', '--id-token-alg', 'HS256']), /Allowed choices are ES256, RS256, PS256, EdDSA/);
      expectOneLineFailure(await cli(['clients', 'add', '--id', uniqueId('x'), '--redirect-uri', 'https://web.example/cb', '--pkce', 'never']), /Allowed choices are required, optional/);
      expectOneLineFailure(await cli(['clients', 'add', '--id', uniqueId('x'), '--public', '--redirect-uri', 'https://web.example/cb', '--pkce', 'optional']), /cannot be used with/);
      expectOneLineFailure(await cli(['clients', 'add', '--id', uniqueId('x'), '--redirect-uri', 'https://web.example/cb', '--auth-method', 'private_key_jwt', '--jwks', '{"nope":1}']), /JWK Set/);
      expectOneLineFailure(await cli(['clients', 'add', '--id', uniqueId('x'), '--redirect-uri', 'https://web.example/cb', '--auth-method', 'private_key_jwt']), /jwks/);
    });

    it("refuses --public with --secret, a duplicate id, and metadata oidc-provider's validator rejects", async () => {
      expectOneLineFailure(await cli(['clients', 'add', '--id', uniqueId('x'), '--public', '--secret', 's']), /cannot be used with/);
      const id = uniqueId('dup');
      expect((await cli(['clients', 'add', '--id', id, '--redirect-uri', 'https://web.example/cb'])).code).to.equal(0);
      expectOneLineFailure(await cli(['clients', 'add', '--id', id, '--redirect-uri', 'https://web.example/cb']), /already exists/);
      expectOneLineFailure(await cli(['clients', 'add', '--id', uniqueId('nouri')]), /redirect_uris is mandatory/);
      expectOneLineFailure(await cli(['clients', 'add', '--id', uniqueId('fragment'), '--redirect-uri', 'https://web.example/cb#frag']), /redirect_uris/);
    });

    it('lists clients without secrets, a page at a time', async () => {
      const id = uniqueId('listed');
      await cli(['clients', 'add', '--id', id, '--public', '--redirect-uri', 'http://localhost:5173/cb']);
      await cli(['clients', 'add', '--id', uniqueId('svc'), '--secret', 'listed-secret-value-0123456789abcdef', '--grant-type', 'client_credentials']);
      const run = await cli(['clients', 'list', '--limit', '1000']);
      expect(run.code).to.equal(0);
      expect(run.stdout).to.match(/^CLIENT ID/);
      expect(run.stdout).to.match(new RegExp(`${id}\\s+-\\s+admin\\s+none\\s+authorization_code,refresh_token`));
      expect(run.stdout).not.to.include('listed-secret-value');
      const json = await cli(['clients', 'list', '--limit', '1000', '--json']);
      expect(JSON.parse(json.stdout).clients.map((c: { clientId: string }) => c.clientId)).to.include(id);
      const one = await cli(['clients', 'list', '--limit', '1']);
      expect(one.stdout).to.match(/\nmore: latchkey clients list --cursor \S+\n$/);
    });

    it('removes a client, then fails to remove it again', async () => {
      const id = uniqueId('gone');
      await cli(['clients', 'add', '--id', id, '--public', '--redirect-uri', 'http://localhost:5173/cb']);
      const run = await cli(['clients', 'remove', '--id', id]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal(`removed client ${id}\n`);
      expect(await clients.get(id)).to.equal(undefined);
      expectOneLineFailure(await cli(['clients', 'remove', '--id', id]), new RegExp(`no client with id ${id}`));
    });
  });

  describe('keys', () => {
    it('lists signing keys', async () => {
      const run = await cli(['keys', 'list']);
      expect(run.code).to.equal(0);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines[0]).to.match(/^KID\s+ALG\s+STATE\s+CREATED\s+PROMOTED\s+EXPIRES$/);
      expect(lines.slice(1).map((line) => line.split(/\s+/).slice(1, 3).join(':')).sort()).to.deep.equal(['ES256:current', 'ES256:next', 'EdDSA:current', 'EdDSA:next', 'PS256:current', 'PS256:next', 'RS256:current', 'RS256:next']);
      const json = JSON.parse((await cli(['keys', 'list', '--json'])).stdout);
      expect(json.keys).to.have.length(8);
    });

    it('rotates, revokes a key and rewraps', async () => {
      const staged = await cli(['keys', 'rotate']);
      expect(staged.code).to.equal(0);
      expect(staged.stdout).to.match(/new next keys published/);
      const now = JSON.parse((await cli(['keys', 'rotate', '--now', '--json'])).stdout);
      const signing = now.keys.find((k: { state: string }) => k.state === 'current');
      const revoked = await cli(['keys', 'revoke', '--kid', signing.kid]);
      expect(revoked.code).to.equal(0);
      expect(revoked.stdout).to.include(`revoked ${signing.kid}`);
      const missing = await cli(['keys', 'revoke', '--kid', signing.kid]);
      expect(missing.code).to.not.equal(0);
      expect(missing.stderr).to.match(/^latchkey: .*no key with kid/);
      const rewrap = await cli(['keys', 'rewrap']);
      expect(rewrap.code).to.equal(0);
      expect(rewrap.stdout).to.match(/re-encrypted/);
    });
  });

  describe('finding the server', () => {
    it('reads .latchkey/dev.json when the environment names no server', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'latchkey-dev-'));
      try {
        await mkdir(join(dir, '.latchkey'));
        await writeFile(join(dir, '.latchkey', 'dev.json'), JSON.stringify({ url, adminToken: TOKEN, issuer: url }));
        const run = await cli(['users', 'list', '--json'], { env: {}, dir });
        expect(run.code, run.stderr).to.equal(0);

        await writeFile(join(dir, '.latchkey', 'dev.json'), JSON.stringify({ url, adminToken: 'stale' }));
        expectOneLineFailure(await cli(['users', 'list'], { env: {}, dir }), /token was refused.*restart the development server/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('explains both options when there is neither', async () => {
      expectOneLineFailure(await cli(['users', 'list'], { env: {} }), /LATCHKEY_URL and LATCHKEY_ADMIN_TOKEN.*\.latchkey\/dev\.json/);
    });

    it('wants both variables, not one', async () => {
      expectOneLineFailure(await cli(['users', 'list'], { env: { LATCHKEY_URL: url } }), /LATCHKEY_ADMIN_TOKEN is not/);
    });

    it('fails with one line when the server is unreachable', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const run = await cli(['users', 'list'], { env: { LATCHKEY_URL: `http://127.0.0.1:${port}`, LATCHKEY_ADMIN_TOKEN: TOKEN } });
      expectOneLineFailure(run, new RegExp(`^latchkey: cannot reach Latchkey at http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
    });

    it('fails with one line on a wrong token', async () => {
      const run = await cli(['keys', 'list'], { env: { LATCHKEY_URL: url, LATCHKEY_ADMIN_TOKEN: 'wrong' } });
      expectOneLineFailure(run, /admin token was refused.*check LATCHKEY_ADMIN_TOKEN/);
    });

    it('reports usage errors on one line', async () => {
      expectOneLineFailure(await cli(['usres', 'list']), /unknown command 'usres'/);
    });
  });
});
