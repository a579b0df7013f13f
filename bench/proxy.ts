// A small round-robin HTTP proxy in front of several Latchkey instances, as a load balancer in
// a deployment: each request goes to the next instance, with X-Forwarded-Host naming the one
// issuer (the instances trust the proxy) and X-Forwarded-Proto kept. It runs in a process of its
// own, pinned like the load generator, so that proxying never shares an event loop with the
// runner's accounting. Run directly: node bench/proxy.ts <issuer-host> <upstream-url>...
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pinning } from './servers.ts';

export interface Proxy {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts the proxy process; `cpu`: where to pin it (taskset), when pinning is on. */
export async function startProxy(issuerHost: string, upstreams: string[], pinning: Pinning, cpu?: string): Promise<Proxy> {
  const argv = [import.meta.filename, issuerHost, ...upstreams];
  const child: ChildProcess =
    pinning.enabled && cpu !== undefined ? spawn('taskset', ['-c', cpu, process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  process.once('exit', () => child.kill('SIGKILL'));
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the bench proxy exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function serve(issuerHost: string, upstreams: URL[]): void {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let next = 0;
  const server = createServer((req, res) => {
    const upstream = upstreams[next++ % upstreams.length]!;
    // Bodies are small (forms, JSON): buffered, so that a request can be sent again.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const send = (retry: boolean) => {
        const forward = request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            agent,
            headers: { ...req.headers, host: issuerHost, 'x-forwarded-host': issuerHost },
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        forward.on('error', (error: NodeJS.ErrnoException) => {
          // A kept-alive socket the instance closed (its idle timeout) just as it was reused: the
          // request never reached it. Sent once more on a fresh socket, as a load balancer does.
          if (retry && forward.reusedSocket && error.code === 'ECONNRESET') return send(false);
          if (!res.headersSent) res.writeHead(502);
          res.end();
        });
        forward.end(body);
      };
      send(true);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

if (process.argv[1] === import.meta.filename) {
  const [issuerHost, ...upstreams] = process.argv.slice(2);
  if (!issuerHost || !upstreams.length) {
    process.stderr.write('usage: node bench/proxy.ts <issuer-host> <upstream-url>...\n');
    process.exit(2);
  }
  serve(issuerHost, upstreams.map((u) => new URL(u)));
}
