// Several Latchkey instances on one Redis behind a round-robin proxy, as in a deployment: the
// proxy keeps the Host header, so every instance answers as the one public issuer.
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRedis, type TestRedis } from './redis.ts';
import { startLatchkey, type Running } from './latchkey.ts';

export interface Deployment {
  /** The issuer: the proxy's URL. */
  url: string;
  instances: Running[];
  redis: TestRedis;
  /** GET a path from one instance directly, as the issuer (Host header kept). */
  get(instance: Running, path: string): Promise<{ status: number; json: unknown }>;
  stop(): Promise<void>;
}

/** `redis`: a Redis of the caller's (who stops it), e.g. the master of a Sentinel or a Cluster
 * node, with `env` naming the topology (REDIS_SENTINELS, REDIS_CLUSTER_NODES). */
export async function startInstances(size: number, env: Record<string, string> = {}, callers?: TestRedis): Promise<Deployment> {
  const redis = callers ?? (await startRedis());
  let next = 0;
  let instances: Running[] = [];
  const proxy: Server = createServer((req, res) => {
    const target = new URL(instances[next++ % instances.length]!.url);
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const shared = {
    KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    COOKIE_SECRETS: randomBytes(32).toString('base64url'),
    REDIS_KEY_PREFIX: `c${randomBytes(4).toString('hex')}:`,
    ...env,
  };
  instances = await Promise.all(Array.from({ length: size }, () => startLatchkey({ store: 'redis', redis, issuer: url, env: shared })));

  return {
    url,
    instances,
    redis,
    get(instance, path) {
      const target = new URL(instance.url);
      return new Promise((resolve, reject) => {
        const req = request({ host: target.hostname, port: target.port, path, headers: { host: new URL(url).host, accept: 'application/json' } }, (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(body) as unknown }));
        });
        req.on('error', reject);
        req.end();
      });
    },
    async stop() {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
      await Promise.all(instances.map((instance) => instance.stop()));
      if (!callers) await redis.stop();
    },
  };
}
