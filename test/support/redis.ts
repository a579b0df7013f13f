// A throwaway redis-server per test run, so tests never touch a developer's Redis (in particular
// the one on 127.0.0.1:6379). TEST_REDIS_URL points the tests at an existing server instead (CI
// services); tests always use a unique key prefix, so sharing one is safe.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './net.ts';

export interface TestRedis {
  url: string;
  /** Host and port, for Cluster clients. */
  node: { host: string; port: number };
  stop(): Promise<void>;
  /** Pauses the server (SIGSTOP): it keeps its connections but answers nothing. Own servers only. */
  freeze?(): void;
  /** Resumes a frozen server. */
  thaw?(): void;
  /** Stops the server (SIGTERM, or SIGKILL for a crash) and keeps its data. Own servers only. */
  halt?(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts a halted server again on the same port and data directory. */
  restart?(): Promise<void>;
}

export interface RedisOptions {
  cluster?: boolean;
  /** Persist with an append-only file, synced on every write (`always`) or once a second. */
  appendfsync?: 'always' | 'everysec';
  /** With `cluster`: leave the slots unassigned (the node joins a cluster of several). */
  noSlots?: boolean;
  /** More redis-server arguments (`--replicaof`, say). */
  args?: string[];
  /** A Sentinel (redis-server --sentinel) with this configuration, instead of a data node. */
  sentinel?: string;
}

const INSTALL_HINT =
  'redis-server was not found on PATH; install it with `apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis`';

/**
 * Starts redis-server on a free port. With `cluster`, a single node in cluster mode that owns every
 * slot: it rejects cross-slot commands exactly like a real cluster, which is what the tests need.
 */
export async function startRedis(options: RedisOptions = {}): Promise<TestRedis> {
  const external = process.env.TEST_REDIS_URL;
  if (external && !options.cluster && !options.sentinel && !options.args) {
    const parsed = new URL(external);
    const port = Number(parsed.port || 6379);
    if (port === 6379 && ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname)) {
      throw new Error('TEST_REDIS_URL must not point at the default local Redis (port 6379); use a dedicated server');
    }
    return { url: external, node: { host: parsed.hostname, port }, stop: async () => {} };
  }

  const binary = await findOnPath('redis-server');
  if (!binary) throw new Error(INSTALL_HINT);
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-redis-'));
  const args: string[] = [];
  if (options.sentinel !== undefined) {
    // Sentinel rewrites its configuration file as it learns the topology: it must be its own.
    const file = join(dir, 'sentinel.conf');
    await writeFile(file, options.sentinel);
    args.push(file, '--sentinel', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir);
  } else {
    args.push('--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir);
    args.push(...(options.appendfsync ? ['--appendonly', 'yes', '--appendfsync', options.appendfsync] : ['--appendonly', 'no']));
    if (options.cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-announce-ip', '127.0.0.1', '--cluster-node-timeout', '1000');
    args.push(...(options.args ?? []));
  }
  const claimSlots = (options.cluster ?? false) && !options.noSlots;
  let child: ChildProcess = spawn(binary, args, { stdio: 'ignore' });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await terminate(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(child, port, claimSlots);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    node: { host: '127.0.0.1', port },
    stop,
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
    async halt(signal = 'SIGTERM') {
      if (signal === 'SIGKILL') {
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      } else {
        await terminate(child);
      }
    },
    async restart() {
      child = spawn(binary, args, { stdio: 'ignore' });
      await waitUntilReady(child, port, claimSlots);
    },
  };
}

async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

async function waitUntilReady(child: ChildProcess, port: number, cluster: boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} on port ${port}`);
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      if (cluster) await claimAllSlots(client);
      return;
    } catch (error) {
      lastError = error;
    } finally {
      client.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on port ${port} did not become ready: ${String(lastError)}`);
}

async function claimAllSlots(client: Redis): Promise<void> {
  const info = String(await client.call('CLUSTER', ['INFO']));
  if (!info.includes('cluster_slots_assigned:16384')) await client.call('CLUSTER', ['ADDSLOTSRANGE', '0', '16383']);
  for (let i = 0; i < 100; i++) {
    if (String(await client.call('CLUSTER', ['INFO'])).includes('cluster_state:ok')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('cluster did not reach cluster_state:ok');
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
