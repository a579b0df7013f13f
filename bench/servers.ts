// Starts and stops what the benchmark measures, each in its own process: a redis-server (AOF
// on, its own port and directory), Latchkey (server/main.ts in production mode) and the
// baseline (bench/baseline-server.ts). Servers are pinned to one CPU with taskset when it
// exists; the runner, which generates the load, is pinned to another (see run.ts).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RESOURCE_SERVERS, type Fixtures } from './fixtures.ts';

export const ROOT = join(import.meta.dirname, '..');
const MAIN = join(ROOT, 'server', 'main.ts');
const BASELINE = join(import.meta.dirname, 'baseline-server.ts');

/** Production mode over plain HTTP on loopback: TLS is terminated "by a proxy" that says so. */
export const FORWARDED = { 'x-forwarded-proto': 'https' };

export interface Pinning {
  enabled: boolean;
  /** CPU list for servers (taskset -c). */
  server: string;
  /** CPU list for the load generator. */
  load: string;
}

export function detectPinning(disabled = false): Pinning {
  // The runner re-executes itself under taskset; in that child availableParallelism() sees only
  // the load CPU, so the parent's decision is taken from the environment.
  const pinnedByParent = process.env.LATCHKEY_BENCH_PINNED === '1';
  const enabled = !disabled && (pinnedByParent || (availableParallelism() >= 2 && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0));
  return { enabled, server: '0', load: '1' };
}

function pinned(pinning: Pinning, cpu: string | undefined, command: string, args: string[]): [string, string[]] {
  return pinning.enabled && cpu !== undefined ? ['taskset', ['-c', cpu, command, ...args]] : [command, args];
}

export async function freePort(): Promise<number> {
  for (;;) {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, 'close');
    if (port !== 6379) return port;
  }
}

/** CPU time (user + system, all threads) a process has used, in clock ticks (Linux /proc). */
export function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * Waits until a server has finished what the last run left it (requests still queued when the
 * load generator stopped, a bcrypt backlog, GC): under ~4% CPU over half a second.
 */
export async function waitIdle(pid: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = cpuTicks(pid);
  if (last === undefined) {
    await sleep(1000);
    return;
  }
  while (Date.now() < deadline) {
    await sleep(500);
    const now = cpuTicks(pid);
    if (now === undefined || now - last! <= 2) return;
    last = now;
  }
}

/** Resident set size of a process, in bytes (Linux /proc; undefined elsewhere). */
export function rssOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function terminate(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

// Every child dies with the runner, however it ends.
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export interface BenchRedis {
  url: string;
  pid: number;
  client: Redis;
  usedMemory(): Promise<number>;
  stop(): Promise<void>;
}

/** `replicaOf`: the port of the master this one replicates (--wait-replicas). */
export async function startRedis(pinning: Pinning, cpu: string | undefined, replicaOf?: number): Promise<BenchRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-bench-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir, '--repl-diskless-sync-delay', '0'];
  if (replicaOf) args.push('--replicaof', '127.0.0.1', String(replicaOf));
  const [command, argv] = pinned(pinning, cpu, 'redis-server', args);
  const child = track(spawn(command, argv, { stdio: 'ignore' }));
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}); is redis-server installed?`);
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (error) {
      client.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server did not start: ${String(error)}`);
      await sleep(50);
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    client,
    async usedMemory() {
      return Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
    },
    async stop() {
      client.disconnect();
      await terminate(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * 'baseline', 'latchkey', or the name of a Latchkey variant (`--variant FILE`: Latchkey with an
 * experiment preloaded, named after the file, measured beside the others in the same rounds).
 */
export type TargetName = string;

export interface Target {
  name: TargetName;
  /** Where requests go (plain HTTP on loopback). */
  url: string;
  /** The issuer (https, production mode). */
  issuer: string;
  pid: number;
  fixtures: Fixtures;
  /** Latchkey only: what its processes share with the runner. */
  env?: Record<string, string>;
  rss(): number | undefined;
  /** The last lines the server wrote to stderr (and its log file). */
  logTail(): string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  pinning: Pinning;
  fixtures: Fixtures;
  signingAlg: 'ES256' | 'RS256';
  bcryptCost: number;
  logLevel: string;
  /** Entries in the baseline's in-memory LRU (0: the library's 1000). */
  baselineStoreSize: number;
  /** Write a V8 CPU profile here on exit (--cpu-prof). */
  profileDir?: string;
  /** Modules Latchkey's node preloads (--import), for experiments. */
  latchkeyImports?: string[];
  /** More environment for Latchkey (REDIS_WAIT_REPLICAS with --wait-replicas). */
  latchkeyEnv?: Record<string, string>;
  tag: string;
}

/**
 * A Latchkey variant: its name, and either the experiment module it preloads or another checkout
 * of Latchkey (a git worktree of an earlier commit) whose server/main.ts it runs instead.
 */
export interface Variant {
  name: string;
  file?: string;
  checkout?: string;
}

interface Spawned {
  child: ChildProcess;
  logTail: () => string;
  logFile: string;
  cleanup: () => Promise<void>;
}

/** glibc allocator settings from the runner's environment, to measure their effect on RSS. */
const malloc = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_')) as [string, string][]);

async function spawnServer(script: string, env: Record<string, string>, options: ServerOptions, name: string, extraNodeArgs: string[] = [], cwd = ROOT): Promise<Spawned> {
  const dir = await mkdtemp(join(tmpdir(), `latchkey-bench-${name}-`));
  const logFile = join(dir, 'stdout.log');
  const out = openSync(logFile, 'w');
  const nodeArgs = options.profileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`, `--cpu-prof-name=${name}-${options.tag}-${Date.now()}.cpuprofile`]
    : [];
  const [command, argv] = pinned(options.pinning, options.pinning.server, process.execPath, [...nodeArgs, ...extraNodeArgs, script]);
  // stdout (per-request logs at LOG_LEVEL=info) goes to a file, so the runner never spends its
  // CPU reading it.
  const child = track(spawn(command, argv, { cwd, env: { PATH: process.env.PATH ?? '', ...malloc(), ...env }, stdio: ['ignore', out, 'pipe'] }));
  closeSync(out);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const logTail = () => {
    let stdout = '';
    try {
      stdout = readFileSync(logFile, 'utf8').slice(-4000);
    } catch {
      // gone already
    }
    return `${stderr}${stdout}`.trim();
  };
  return { child, logTail, logFile, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function waitReady(url: string, spawned: Spawned, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (spawned.child.exitCode !== null) throw new Error(`${what} exited with code ${spawned.child.exitCode}:\n${spawned.logTail()}`);
    try {
      const response = await fetch(`${url}/.well-known/openid-configuration`, { headers: FORWARDED });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${what} did not become ready:\n${spawned.logTail()}`);
    await sleep(100);
  }
}

function target(name: TargetName, port: number, spawned: Spawned, fixtures: Fixtures, extra: Partial<Target> = {}): Target {
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    issuer: `https://127.0.0.1:${port}`,
    pid: spawned.child.pid!,
    fixtures,
    rss: () => rssOf(spawned.child.pid),
    logTail: spawned.logTail,
    async stop() {
      await terminate(spawned.child);
      await spawned.cleanup();
    },
    ...extra,
  };
}

export async function startBaseline(options: ServerOptions): Promise<Target> {
  const port = await freePort();
  const env = {
    NODE_ENV: 'production',
    PORT: String(port),
    ISSUER: `https://127.0.0.1:${port}`,
    SIGNING_ALG: options.signingAlg,
    BCRYPT_COST: String(options.bcryptCost),
    RESOURCE_SERVERS,
    BASELINE_STORE_SIZE: String(options.baselineStoreSize),
    BENCH_FIXTURES: JSON.stringify(options.fixtures),
  };
  const spawned = await spawnServer(BASELINE, env, options, 'baseline');
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, spawned, 'the baseline server');
  } catch (error) {
    await terminate(spawned.child);
    throw error;
  }
  return target('baseline', port, spawned, options.fixtures);
}

export async function startLatchkey(options: ServerOptions & { redisUrl: string; variant?: Variant }): Promise<Target> {
  const name = options.variant?.name ?? 'latchkey';
  const tag = options.variant ? `${options.tag}-${options.variant.name}` : options.tag;
  const imports = [...(options.latchkeyImports ?? []), ...(options.variant?.file ? [options.variant.file] : [])];
  const checkout = options.variant?.checkout ?? ROOT;
  const port = await freePort();
  const adminToken = randomBytes(32).toString('base64url');
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    ISSUER: `https://127.0.0.1:${port}`,
    TRUST_PROXY: 'true',
    REDIS_URL: options.redisUrl,
    // One prefix per server variant: each gets its own keys, clients and users.
    REDIS_KEY_PREFIX: `bench-${tag}:`,
    KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    COOKIE_SECRETS: randomBytes(32).toString('base64url'),
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: options.logLevel,
    BCRYPT_COST: String(options.bcryptCost),
    SIGNING_ALG: options.signingAlg,
    RESOURCE_SERVERS,
    ...options.latchkeyEnv,
  };
  const spawned = await spawnServer(join(checkout, 'server', 'main.ts'), env, options, name, imports.flatMap((file) => ['--import', file]), checkout);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, spawned, name === 'latchkey' ? 'Latchkey' : `Latchkey (${name})`);
    await provision(url, adminToken, options.fixtures);
    return target(name, port, spawned, options.fixtures, { env });
  } catch (error) {
    await terminate(spawned.child);
    throw error;
  }
}

/**
 * Another instance of a running Latchkey: the same issuer, Redis, prefix and secrets, on its own
 * port, as behind a load balancer. Requests name the issuer's host in X-Forwarded-Host (the
 * instances trust the proxy), so each instance answers as the one issuer.
 */
export async function startLatchkeyReplica(primary: Target, options: ServerOptions): Promise<Target> {
  if (!primary.env) throw new Error('replicas need a Latchkey primary');
  const port = await freePort();
  const env = { ...primary.env, PORT: String(port) };
  const spawned = await spawnServer(MAIN, env, options, `latchkey-replica-${port}`);
  const headers = { ...FORWARDED, 'x-forwarded-host': new URL(primary.issuer).host };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (spawned.child.exitCode !== null) throw new Error(`replica exited with code ${spawned.child.exitCode}:\n${spawned.logTail()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`, { headers }).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await terminate(spawned.child);
      throw new Error(`replica did not become ready:\n${spawned.logTail()}`);
    }
    await sleep(100);
  }
  return target('latchkey', port, spawned, primary.fixtures, { env, issuer: primary.issuer });
}

/** Registers the fixture clients and users through the admin API, as an operator would. */
async function provision(url: string, adminToken: string, fixtures: Fixtures): Promise<void> {
  const admin = async (path: string, body: unknown) => {
    const response = await fetch(`${url}/admin${path}`, {
      method: 'POST',
      headers: { ...FORWARDED, authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`admin ${path} answered ${response.status}: ${text}`);
  };
  for (const client of [fixtures.service, fixtures.introspector, ...fixtures.apps]) await admin('/clients', client);
  await Promise.all([...fixtures.users, fixtures.owner].map((user) => admin('/users', { ...user, emailVerified: true })));
}

