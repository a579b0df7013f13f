// Reads the configuration, builds Latchkey, listens, and shuts down cleanly on SIGTERM/SIGINT:
// stop accepting, let requests in flight finish, then close the store.
import { createServer } from 'node:http';
import { ConfigError, loadConfig, type Config } from '../config/index.ts';
import { devSecrets, recordDevUrl, DEV_FILE } from '../config/dev-secrets.ts';
import { build } from './app/build.ts';
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

const server = createServer(latchkey.app.callback());
server.on('error', (error) => fail(`cannot listen on ${config.host}:${config.port}: ${error.message}`));
server.listen(config.port, config.host, () => {
  logger.info({ issuer: config.issuer, port: config.port, store: latchkey.store.kind }, 'Latchkey is listening');
  if (config.env === 'development') {
    const local = `http://localhost:${config.port}`;
    recordDevUrl(local, config.adminToken!);
    process.stdout.write(
      [
        '',
        `  Latchkey (development) — issuer ${config.issuer}`,
        `  Discovery:   ${config.issuer}/.well-known/openid-configuration`,
        config.devSeed ? `  Demo login:  ${DEMO_EMAIL} / ${DEMO_PASSWORD}` : '',
        `  CLI:         npm run cli -- users list    (address and admin token are read from ${DEV_FILE})`,
        `               npm run cli -- clients add --id my-app --public --redirect-uri http://localhost:8080/callback`,
        config.redis ? '' : '  Store:       in memory — nothing survives a restart (set REDIS_URL to keep data)',
        '',
      ]
        .filter((line, i, all) => line !== '' || i === 0 || i === all.length - 1)
        .join('\n') + '\n',
    );
  }
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
  const force = setTimeout(() => {
    logger.warn('requests still in flight after the grace period; closing anyway');
    server.closeAllConnections();
  }, SHUTDOWN_GRACE_MS);
  force.unref();
  server.close(async () => {
    await latchkey.close().catch((error: unknown) => logger.error({ err: error }, 'closing the store failed'));
    logger.info('stopped');
    process.exit(0);
  });
  server.closeIdleConnections();
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
