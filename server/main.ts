// Reads the configuration, builds Latchkey, listens, and shuts down cleanly on SIGTERM/SIGINT:
// stop accepting, let requests in flight finish, then close the store.
import { createServer, type Server } from 'node:http';
import { ConfigError, loadConfig, type Config } from '../config/index.ts';
import { devSecrets, recordDevUrl, DEV_FILE } from '../config/dev-secrets.ts';
import { build } from './app/build.ts';
import { startDraining } from './http/health.ts';
import { DEMO_EMAIL, DEMO_PASSWORD, seedDemo } from './accounts/dev-seed.ts';
import { KeystoreError } from './keys/keystore.ts';
import { createLogger } from './observability/logger.ts';

const SHUTDOWN_GRACE_MS = 10_000;

function fail(message: string): never {
  process.stderr.write(`latchkey: ${message}\n`);
  process.exit(2);
}

let config: Config;
try {
  config = loadConfig(process.env, () => devSecrets());
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}

const logger = createLogger(config.logLevel);
if (!config.redis) {
  logger.warn('REDIS_URL is not set: using the in-memory store. NOTHING IS DURABLE: users, clients, keys and sessions vanish on restart.');
}

const latchkey = await build(config, logger).catch((error: unknown) => {
  if (error instanceof KeystoreError || error instanceof ConfigError) fail(error.message);
  const message = error instanceof Error ? error.message : String(error);
  fail(`cannot start: ${message}`);
});
if (config.devSeed) await seedDemo(latchkey.users);

function listen(app: typeof latchkey.app, host: string, port: number): Promise<Server> {
  const listening = createServer(app.callback());
  listening.on('error', (error) => fail(`cannot listen on ${host}:${port}: ${error.message}`));
  return new Promise((resolve) => listening.listen(port, host, () => resolve(listening)));
}

const server = await listen(latchkey.app, config.host, config.port);
// The admin API on an address of its own (ADMIN_LISTEN): a private network, a loopback address.
const adminServer = latchkey.adminApp && config.adminListen ? await listen(latchkey.adminApp, config.adminListen.host, config.adminListen.port) : undefined;
{
  logger.info({ issuer: config.issuer, host: config.host, port: config.port, admin: config.adminListen, store: latchkey.store.kind }, 'Latchkey is listening');
  if (config.env === 'development') {
    const local = `http://localhost:${config.port}`;
    const admin = config.adminListen ? `http://${config.adminListen.host.includes(':') ? `[${config.adminListen.host}]` : config.adminListen.host}:${config.adminListen.port}` : local;
    recordDevUrl(admin, config.adminToken!);
    process.stdout.write(
      [
        '',
        `  Latchkey (development) — issuer ${config.issuer}`,
        `  Discovery:   ${config.issuer}/.well-known/openid-configuration`,
        config.devSeed ? `  Demo login:  ${DEMO_EMAIL} / ${DEMO_PASSWORD}` : '',
        `  CLI:         npm run cli -- users list    (address and admin token are read from ${DEV_FILE})`,
        `               npm run cli -- clients add --id my-app --public --redirect-uri http://localhost:8080/callback`,
        config.mail.outbox ? `  Mail:        no SMTP_URL: mails are kept in process, read them at ${config.issuer}/dev/mail` : '',
        config.redis ? '' : '  Store:       in memory — nothing survives a restart (set REDIS_URL to keep data)',
        '',
      ]
        .filter((line, i, all) => line !== '' || i === 0 || i === all.length - 1)
        .join('\n') + '\n',
    );
  }
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  // First stop being ready while still serving, so load balancers move new requests elsewhere;
  // only then stop listening (a connection refused or reset on the way is a failed request).
  startDraining();
  logger.info({ signal, drainSeconds: config.shutdownDrainSeconds }, 'draining: /readyz says 503, still serving');
  await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainSeconds * 1000));
  logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
  const force = setTimeout(() => {
    logger.warn('requests still in flight after the grace period; closing anyway');
    server.closeAllConnections();
    adminServer?.closeAllConnections();
  }, SHUTDOWN_GRACE_MS);
  force.unref();
  adminServer?.close();
  adminServer?.closeIdleConnections();
  server.close(async () => {
    await latchkey.close().catch((error: unknown) => logger.error({ err: error }, 'closing the store failed'));
    logger.info('stopped');
    process.exit(0);
  });
  server.closeIdleConnections();
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
