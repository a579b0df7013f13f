import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import Koa from 'koa';
import { createPasswords } from '../../server/accounts/passwords.ts';
import { createUsers, type Users } from '../../server/accounts/users.ts';
import { createAdminApi } from '../../server/admin/index.ts';
import { runCli } from '../../server/cli/index.ts';
import { createClientRegistry, type ClientRegistry } from '../../server/clients/registry.ts';
import { createKeystore } from '../../server/keys/keystore.ts';
import { createKeyManager } from '../../server/keys/manager.ts';
import { pino } from 'pino';
import { createSealedBox } from '../../server/keys/sealed-box.ts';
import { createMemoryStore } from '../../server/store/memory.ts';

const TOKEN = 'cli-test-admin-token';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('latchkey CLI', () => {
  let server: Server;
  let url: string;
  let users: Users;
  let clients: ClientRegistry;
  let cwd: string;
  let closeStore: () => Promise<void>;

  before(async () => {
    const store = createMemoryStore();
    closeStore = () => store.close();
    const box = createSealedBox([randomBytes(32)]);
    users = createUsers(store.documents, createPasswords(4));
    clients = createClientRegistry(store.documents, store.events, box, async () => {});
    const keystore = createKeystore(store.documents, box, ['test-cookie-secret-0123456789abcdef0123']);
    await keystore.loadOrCreate();
    const app = new Koa();
    const keys = createKeyManager({ keystore: keystore, locks: store.locks, events: store.events, policy: { prePublicationMs: 86_400_000, retentionMs: 3_900_000, cookieRetentionMs: 1_209_600_000 }, pollMs: 60_000, logger: pino({ level: 'silent' }) });
    app.use(createAdminApi({ adminToken: TOKEN, users, clients, keystore, keys }));
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cwd = await mkdtemp(join(tmpdir(), 'latchkey-cli-'));
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await closeStore();
    await rm(cwd, { recursive: true, force: true });
  });

  async function cli(
    argv: string[],
    { stdin = '', env = { LATCHKEY_URL: url, LATCHKEY_ADMIN_TOKEN: TOKEN }, dir = cwd }: { stdin?: string; env?: Record<string, string>; dir?: string } = {},
  ): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, {
      stdin: Readable.from(stdin === '' ? [] : [Buffer.from(stdin)]),
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      env,
      cwd: dir,
    });
    return { code, stdout, stderr };
  }

  function expectOneLineFailure(run: Run, pattern: RegExp) {
    expect(run.code, run.stderr).to.not.equal(0);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.match(/^latchkey: [^\n]+\n$/);
    expect(run.stderr).to.match(pattern);
  }

  describe('users', () => {
    it('adds a user with the password from stdin, minus one trailing newline', async () => {
      const run = await cli(['users', 'add', '--email', 'Alice@Example.com', '--name', 'Alice', '--password-stdin'], { stdin: 'correct horse \n' });
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/^created user alice@example\.com \(sub [\w-]+\)\n$/);
      expect(await users.authenticate('alice@example.com', 'correct horse ')).to.have.property('name', 'Alice');
    });

    it('lists users, as a table and as JSON', async () => {
      const table = await cli(['users', 'list']);
      expect(table.code).to.equal(0);
      expect(table.stdout).to.match(/^EMAIL\s+NAME\s+STATUS/);
      expect(table.stdout).to.match(/alice@example\.com\s+Alice\s+active/);

      const json = await cli(['users', 'list', '--json']);
      expect(json.code).to.equal(0);
      const body = JSON.parse(json.stdout) as { users: Array<Record<string, unknown>> };
      expect(body.users.map((user) => user.email)).to.deep.equal(['alice@example.com']);
      expect(json.stdout).not.to.include('passwordHash');
    });

    it('fails with one line on a duplicate (409)', async () => {
      const run = await cli(['users', 'add', '--email', 'alice@example.com', '--password-stdin'], { stdin: 'another password' });
      expectOneLineFailure(run, /already exists/);
    });

    it('refuses an empty stdin and a password the policy rejects', async () => {
      expectOneLineFailure(await cli(['users', 'add', '--email', 'bob@example.com', '--password-stdin']), /no password on stdin/);
      expectOneLineFailure(await cli(['users', 'add', '--email', 'bob@example.com', '--password-stdin'], { stdin: 'short\n' }), /at least 8 characters/);
    });

    it('insists on --password-stdin', async () => {
      expectOneLineFailure(await cli(['users', 'add', '--email', 'bob@example.com']), /--password-stdin/);
    });

    it('disables, enables and sets passwords', async () => {
      const disabled = await cli(['users', 'disable', '--email', 'alice@example.com', '--json']);
      expect(disabled.code).to.equal(0);
      expect(JSON.parse(disabled.stdout).user.disabled).to.equal(true);
      expect((await cli(['users', 'list'])).stdout).to.match(/alice@example\.com\s+Alice\s+disabled/);

      const enabled = await cli(['users', 'enable', '--email', 'alice@example.com']);
      expect(enabled.stdout).to.equal('enabled user alice@example.com\n');

      const changed = await cli(['users', 'set-password', '--email', 'alice@example.com', '--password-stdin'], { stdin: 'battery staple\r\n' });
      expect(changed.code, changed.stderr).to.equal(0);
      expect(changed.stdout).to.equal('password changed for alice@example.com\n');
      expect(await users.authenticate('alice@example.com', 'battery staple')).to.not.equal(undefined);

      expectOneLineFailure(await cli(['users', 'disable', '--email', 'nobody@example.com']), /no user with email nobody@example\.com/);
    });
  });

  describe('clients', () => {
    it('adds a confidential client and prints its generated secret once', async () => {
      const run = await cli(['clients', 'add', '--id', 'web', '--name', 'Web', '--redirect-uri', 'https://web.example/cb', '--redirect-uri', 'https://web.example/cb2', '--scope', 'openid email']);
      expect(run.code, run.stderr).to.equal(0);
      const [created, secretLine, note] = run.stdout.trimEnd().split('\n');
      expect(created).to.equal('created client web');
      expect(note).to.match(/cannot be shown again/);
      const secret = secretLine?.replace(/^client secret: /, '');
      expect(secret).to.match(/^[\w-]{40,}$/);

      const stored = await clients.adapter().find('web');
      expect(stored).to.include({ client_secret: secret, client_name: 'Web', scope: 'openid email' });
      expect(stored?.redirect_uris).to.deep.equal(['https://web.example/cb', 'https://web.example/cb2']);
      expect(stored?.grant_types).to.deep.equal(['authorization_code', 'refresh_token']);
      expect(stored?.response_types).to.deep.equal(['code']);
    });

    it('adds a public client, with --json', async () => {
      const run = await cli(['clients', 'add', '--id', 'spa', '--public', '--redirect-uri', 'http://localhost:5173/cb', '--json']);
      expect(run.code, run.stderr).to.equal(0);
      const body = JSON.parse(run.stdout);
      expect(body).not.to.have.property('secret');
      expect(body.client.metadata.token_endpoint_auth_method).to.equal('none');
    });

    it('adds a service with a supplied secret and no response types', async () => {
      const run = await cli(['clients', 'add', '--id', 'svc', '--secret', 'supplied-secret-value', '--grant-type', 'client_credentials']);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal('created client svc\n');
      const stored = await clients.adapter().find('svc');
      expect(stored).to.include({ client_secret: 'supplied-secret-value' });
      expect(stored?.response_types).to.deep.equal([]);
    });

    it('refuses --public with --secret, and a duplicate id', async () => {
      expectOneLineFailure(await cli(['clients', 'add', '--id', 'x', '--public', '--secret', 's']), /cannot be used with/);
      expectOneLineFailure(await cli(['clients', 'add', '--id', 'web']), /already exists/);
    });

    it('lists clients without secrets', async () => {
      const run = await cli(['clients', 'list']);
      expect(run.code).to.equal(0);
      expect(run.stdout).to.match(/^CLIENT ID/);
      expect(run.stdout).to.match(/spa\s+-\s+none\s+authorization_code,refresh_token/);
      expect(run.stdout).not.to.include('supplied-secret-value');
      const json = await cli(['clients', 'list', '--json']);
      expect(JSON.parse(json.stdout).clients.map((c: { clientId: string }) => c.clientId)).to.deep.equal(['spa', 'svc', 'web']);
    });

    it('removes a client, then fails to remove it again', async () => {
      const run = await cli(['clients', 'remove', '--id', 'spa']);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal('removed client spa\n');
      expect(await clients.get('spa')).to.equal(undefined);
      expectOneLineFailure(await cli(['clients', 'remove', '--id', 'spa']), /no client with id spa/);
    });
  });

  describe('keys', () => {
    it('lists signing keys', async () => {
      const run = await cli(['keys', 'list']);
      expect(run.code).to.equal(0);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines[0]).to.match(/^KID\s+ALG\s+STATE\s+CREATED\s+PROMOTED\s+EXPIRES$/);
      expect(lines.slice(1).map((line) => line.split(/\s+/).slice(1, 3).join(':')).sort()).to.deep.equal(['ES256:current', 'ES256:next', 'RS256:current', 'RS256:next']);
      const json = JSON.parse((await cli(['keys', 'list', '--json'])).stdout);
      expect(json.keys).to.have.length(4);
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
