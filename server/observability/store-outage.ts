// What the log says about the store being away: one line when Redis becomes unreachable, one when
// it is back (with how long it was gone), never a line per failed request or reconnect attempt.
// `counted` is told of each connection error and each outage (latchkey_store_errors_total).
import type { Logger } from 'pino';
import type { RedisStoreOptions } from '../store/index.ts';

export function storeLogging(logger: Logger, counted: () => void = () => {}): RedisStoreOptions {
  return {
    onError: (err) => {
      counted();
      logger.warn({ err }, 'redis connection error');
    },
    onAvailability: ({ up, reason, downForMs }) => {
      if (!up) counted();
      if (up) logger.info({ event: 'store.available', downForMs }, `Redis is reachable again after ${downForMs} ms; serving requests`);
      else logger.error({ event: 'store.unavailable', reason }, 'Redis is unreachable: requests answer 503 temporarily_unavailable until it is back');
    },
  };
}
