// Starts a real Latchkey for a test: the same build() main.ts uses, over real HTTP on a free
// port, on the in-memory store or a throwaway redis-server. Nothing is mocked.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DestinationStream, type Logger } from 'pino';
import { loadConfig, type Config } from '../../config/index.ts';
import { build, type Latchkey } from '../../server/app/build.ts';
import { createLogger } from '../../server/observability/logger.ts';
import type { Store } from '../../server/store/types.ts';
import { startRedis, type TestRedis } from './redis.ts';

export interface Running {
  url: string;
  /** Where the admin API answers when ADMIN_LISTEN gives it a listener of its own. */
  adminUrl?: string;
  config: Config;
  latchkey: Latchkey;
  redis?: TestRedis;
  stop(): Promise<void>;
}

export interface StartOptions {
  store?: 'memory' | 'redis';
  /** Extra environment, as an operator would set it. */
  env?: Record<string, string>;
  /** A Redis shared with other instances (the caller stops it), instead of a throwaway one. */
  redis?: TestRedis;
  /** The public issuer, when requests reach this instance through a proxy; given the instance's
   * own URL when a function (an https issuer on this very port behind a pretend TLS proxy). */
  issuer?: string | ((url: string) => string);
  /** A store built by the test (an in-memory store on a test clock, say), instead of one from
   * the configuration. */
  storeInstance?: Store;
  /** Every log line, at every level, goes here (tests that read the logs). */
  logs?: DestinationStream;
  /** Where the instance logs, instead (silent by default, or TEST_LOG_LEVEL). */
  logger?: Logger;
}

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghijkl';

export function testEnv(issuer: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    ISSUER: issuer,
    KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    COOKIE_SECRETS: randomBytes(32).toString('base64url'),
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    BCRYPT_COST: '4',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export async function startLatchkey(options: StartOptions = {}): Promise<Running> {
  // The issuer must be known before the Provider is built, and the port only after listening:
  // listen first, hand requests to the app once it exists.
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => handler!(req, res));
  const port = await listen(server);
  const url = `http://127.0.0.1:${port}`;
  const owned = options.store === 'redis' && !options.redis ? await startRedis() : undefined;
  const redis = options.redis ?? owned;
  const issuer = typeof options.issuer === 'function' ? options.issuer(url) : (options.issuer ?? url);
  const env = testEnv(issuer, {
    ...(redis ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:` } : {}),
    ...options.env,
  });
  let config: Config;
  let latchkey: Latchkey;
  try {
    config = loadConfig(env);
    // The logger main.ts uses, at the level the test asks for (TEST_LOG_LEVEL to see it all).
    const logger = options.logger ?? (options.logs ? createLogger('trace', options.logs) : createLogger((process.env.TEST_LOG_LEVEL ?? 'silent') as Config['logLevel']));
    latchkey = await build(config, logger, { store: options.storeInstance });
  } catch (error) {
    // A start-up refusal is what some tests expect: leave nothing listening behind it.
    server.close();
    await owned?.stop();
    throw error;
  }
  handler = latchkey.app.callback();
  // ADMIN_LISTEN: the admin API gets a listener of its own, on a free port of the test's.
  const adminServer = latchkey.adminApp ? createServer(latchkey.adminApp.callback()) : undefined;
  const adminUrl = adminServer ? `http://127.0.0.1:${await listen(adminServer)}` : undefined;
  return {
    url,
    adminUrl,
    config,
    latchkey,
    redis,
    async stop() {
      server.closeAllConnections();
      adminServer?.closeAllConnections();
      await new Promise<void>((resolve) => (adminServer ? adminServer.close(() => resolve()) : resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await latchkey.close();
      await owned?.stop();
    },
  };
}

/** Stores: every flow suite runs against both. */
export const STORES = ['memory', 'redis'] as const;
