// The server as an operator runs it: `node server/main.ts` with environment variables.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedisStore } from '../server/store/redis/index.ts';
import { startRedis, type TestRedis } from './support/redis.ts';
import { freePort } from './support/net.ts';

const MAIN = join(import.meta.dirname, '..', 'server', 'main.ts');

const children = new Set<ChildProcess>();

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(env: Record<string, string>, cwd: string, untilListening = false): Promise<Exit & { stop?: () => Promise<Exit> }> {
  const child = spawn(process.execPath, [MAIN], { cwd, env: { PATH: process.env.PATH!, LOG_LEVEL: 'info', ...env } });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  if (!untilListening) return exited;
  return new Promise((resolve, reject) => {
    child.stdout.on('data', () => {
      // The development banner is the last thing printed once listening.
      if (stdout.includes('Latchkey is listening') && stdout.includes('CLI:')) {
        resolve({ code: null, stdout, stderr, stop: () => (child.kill('SIGTERM'), exited) });
      }
    });
    void exited.then((exit) => reject(new Error(`exited early (${exit.code}): ${exit.stderr}${exit.stdout}`)));
  });
}

describe('main: starting and stopping the server', () => {
  let cwd: string;
  let redis: TestRedis;
  before(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'latchkey-main-'));
    redis = await startRedis();
  });
  afterEach(() => {
    for (const child of children) child.kill('SIGKILL');
  });
  after(async () => {
    await rm(cwd, { recursive: true, force: true });
    await redis.stop();
  });

  it('exits 2 naming the variable when a setting is bad', async () => {
    const exit = await run({ PORT: 'eighty' }, cwd);
    expect(exit.code).to.equal(2);
    expect(exit.stderr).to.match(/PORT: /);
  });

  it('refuses unsafe production settings, naming each', async () => {
    const exit = await run({ NODE_ENV: 'production', ISSUER: 'http://id.example.com' }, cwd);
    expect(exit.code).to.equal(2);
    for (const name of ['REDIS_URL', 'ISSUER', 'KEYS_ENCRYPTION_KEY', 'COOKIE_SECRETS']) expect(exit.stderr).to.include(`${name}:`);
  });

  it('starts on Redis, serves discovery, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const env = {
      PORT: String(port),
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'main1:',
      KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    };
    const running = await run(env, cwd, true);
    expect(running.stdout).to.include(`issuer http://localhost:${port}`);
    expect(running.stdout).to.match(/Demo login: +demo@latchkey\.dev/);
    const discovery = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`).then((r) => r.json());
    expect(discovery.issuer).to.equal(`http://localhost:${port}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).to.equal(200);
    const exit = await running.stop!();
    expect(exit.code).to.equal(0);
    expect(exit.stdout).to.include('"msg":"stopped"');
  });

  it('listens on loopback only in development, and puts the admin API on ADMIN_LISTEN', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const dir = await mkdtemp(join(tmpdir(), 'latchkey-admin-listen-'));
    try {
      const running = await run({ PORT: String(port), ADMIN_LISTEN: `127.0.0.1:${adminPort}` }, dir, true);
      const listening = running.stdout.split('\n').find((line) => line.includes('Latchkey is listening'))!;
      expect(JSON.parse(listening)).to.include({ host: '127.0.0.1', port });
      // The CLI's development file points at the admin address.
      const dev = JSON.parse(await readFile(join(dir, '.latchkey', 'dev.json'), 'utf8')) as { url: string; adminToken: string };
      expect(dev.url).to.equal(`http://127.0.0.1:${adminPort}`);
      const auth = { authorization: `Bearer ${dev.adminToken}` };
      expect((await fetch(`http://127.0.0.1:${adminPort}/admin/users`, { headers: auth })).status).to.equal(200);
      expect((await fetch(`http://127.0.0.1:${port}/admin/users`, { headers: auth })).status).to.equal(404);
      expect((await running.stop!()).code).to.equal(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start when KEYS_ENCRYPTION_KEY cannot decrypt the stored keys, and changes nothing', async () => {
    const port = await freePort();
    const env = { PORT: String(port), REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'main2:', KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
    const first = await run(env, cwd, true);
    await first.stop!();
    // Read through the store itself: the test does not know the key schema.
    const store = await createRedisStore({ url: redis.url, sentinelName: 'unused', keyPrefix: 'main2:' });
    const signingKeys = () => store.documents.get('keys', 'signing');
    const before = await signingKeys();
    expect(before).to.be.a('string');
    const exit = await run({ ...env, KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64url') }, cwd);
    expect(exit.code).to.equal(2);
    expect(exit.stderr).to.match(/KEYS_ENCRYPTION_KEY: cannot decrypt signing key/);
    expect(await signingKeys()).to.equal(before);
    // The old key listed second (decrypt with any) lets it start again.
    const again = await run({ ...env, KEYS_ENCRYPTION_KEY: `${randomBytes(32).toString('base64url')},${env.KEYS_ENCRYPTION_KEY}` }, cwd, true);
    await again.stop!();
    await store.close();
  });
});
