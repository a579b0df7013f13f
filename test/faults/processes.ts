// Latchkey instances as real processes (`node server/main.ts`, exactly what ships), so a test can
// kill -9 one or send it SIGTERM, behind a small proxy that does what a load balancer does: it
// spreads requests over the instances it is told to use that are ready (it checks /readyz every
// 100 ms), and tries the next one when an instance refuses the connection.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TEST_ADMIN_TOKEN } from '../support/latchkey.ts';
import { freePort } from '../support/net.ts';
import type { TestRedis } from '../support/redis.ts';

const MAIN = fileURLToPath(new URL('../../server/main.ts', import.meta.url));

export interface Instance {
  port: number;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** What it wrote to stdout/stderr (its JSON logs). */
  output(): string;
}

export interface Proxy {
  url: string;
  /** The instances it sends requests to, in turn. */
  use(instances: Instance[]): void;
  /** Connections refused by an instance and sent to the next. */
  retried(): number;
  close(): Promise<void>;
}

/** The environment every instance of one deployment shares. */
export function deploymentEnv(issuer: string, redis: TestRedis | { env: Record<string, string> }): Record<string, string> {
  return {
    NODE_ENV: 'test',
    ISSUER: issuer,
    HOST: '127.0.0.1',
    KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    COOKIE_SECRETS: randomBytes(32).toString('base64url'),
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    BCRYPT_COST: '4',
    GEOIP: 'false',
    LOG_LEVEL: 'info',
    REDIS_KEY_PREFIX: `p${randomBytes(4).toString('hex')}:`,
    ...('env' in redis ? redis.env : { REDIS_URL: redis.url }),
  };
}

export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => {
    process.removeListener('exit', kill);
    return code as number | null;
  });
  const deadline = Date.now() + 20_000;
  while (!output.includes('Latchkey is listening')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Latchkey did not start on port ${port}:\n${output.slice(-2000)}`);
    }
    await new Promise((resolve) => child.stdout!.once('data', resolve).once('close', resolve));
  }
  return { port, child, exited, output: () => output };
}

export async function stopInstance(instance: Instance): Promise<void> {
  if (instance.child.exitCode === null && instance.child.signalCode === null) instance.child.kill('SIGKILL');
  await instance.exited;
}

function forward(port: number, req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    // A connection per request (no keep-alive to the instances): a draining instance refuses new
    // connections, and a refused connection is safe to send elsewhere.
    const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }));
      answer.on('error', reject);
    });
    upstream.on('error', reject);
    upstream.end(body);
  });
}

async function isReady(instance: Instance): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${instance.port}/readyz`, { signal: AbortSignal.timeout(500) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

export async function startProxy(): Promise<Proxy> {
  let instances: Instance[] = [];
  const unready = new Set<Instance>();
  let next = 0;
  let retried = 0;
  const checks = setInterval(() => {
    for (const instance of instances) {
      void isReady(instance).then((ready) => (ready ? unready.delete(instance) : unready.add(instance)));
    }
  }, 100);
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const ready = instances.filter((instance) => !unready.has(instance));
    const candidates = ready.length ? ready : instances;
    for (let tries = 0; tries < candidates.length; tries++) {
      const instance = candidates[next++ % candidates.length]!;
      try {
        const answer = await forward(instance.port, req, body);
        res.writeHead(answer.status, answer.headers).end(answer.body);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== 'ECONNREFUSED') break;
        retried++;
      }
    }
    res.writeHead(502).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    use: (list) => {
      instances = list;
    },
    retried: () => retried,
    async close() {
      clearInterval(checks);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
