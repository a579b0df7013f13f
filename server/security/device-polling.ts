// Device polling (RFC 8628 §3.4, §3.5). oidc-provider 9.13 defines slow_down but never answers it
// (lib/actions/grants/device_code.js answers authorization_pending however fast a device polls),
// and leaves `interval` out of the device authorization response. Latchkey advertises the interval
// and keeps, per device code, when it was last polled and how often it was told to slow down
// (shared by every instance): a pending poll inside the interval becomes slow_down, and the
// interval grows by 5 seconds for that device; a device that keeps polling too fast after
// MAX_SLOW_DOWNS warnings has its authorization ended (access_denied from then on, and its user
// code no longer accepted). Only pending answers are rewritten: a poll that finds the person has
// approved gets its tokens, however early it came.
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { ROUTES } from '../http/routes.ts';
import { endDeviceAuthorization, polledDeviceCode } from '../provider/internals.ts';
import type { Store } from '../store/types.ts';
import { pollDecision, pollInterval, type PollingRule } from './decisions.ts';
import type { Pseudonym } from './pseudonyms.ts';

// Three warnings are plenty for a client that honours slow_down (RFC 8628 says it must); one that
// ignores three is broken or hostile.
const MAX_SLOW_DOWNS = 3;

interface OAuthBody {
  error?: unknown;
  error_description?: unknown;
}

export interface DevicePollingOptions {
  intervalSeconds: number;
  /** How long a device code lives: the slow_down count need not outlive it. */
  deviceCodeTtl: number;
  provider: () => Provider;
}

export function devicePolling(store: Store, pseudonym: Pseudonym, { intervalSeconds, deviceCodeTtl, provider }: DevicePollingOptions): { interval: Middleware; polling: Middleware } {
  const rule: PollingRule = { intervalSeconds, maxSlowDowns: MAX_SLOW_DOWNS };
  const polls = store.limiter('device-polls', { points: 1, durationSeconds: intervalSeconds });
  const slowDowns = store.limiter('device-slow-downs', { points: MAX_SLOW_DOWNS, durationSeconds: deviceCodeTtl });

  const interval: Middleware = async (ctx, next) => {
    await next();
    if (ctx.method !== 'POST' || ctx.path !== ROUTES.device_authorization.path || ctx.status !== 200) return;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (body && typeof body === 'object' && typeof body.device_code === 'string') body.interval = intervalSeconds;
  };

  const polling: Middleware = async (ctx, next) => {
    await next();
    if (ctx.method !== 'POST' || ctx.path !== ROUTES.token.path || ctx.status !== 400) return;
    const body = ctx.body as OAuthBody | undefined;
    const deviceCode = body?.error === 'authorization_pending' ? polledDeviceCode(ctx) : undefined;
    if (!body || !deviceCode) return;
    const key = pseudonym('device-code', deviceCode);
    const warned = (await slowDowns.get(key))?.consumed ?? 0;
    const poll = await polls.consume(key, { durationSeconds: pollInterval(warned, rule) });
    const decision = pollDecision({ polls: poll.consumed, slowDowns: warned }, rule);
    if (decision.kind === 'allow') return;
    await slowDowns.consume(key);
    if (decision.kind === 'slow_down') {
      // The wait starts again from this poll, at the longer interval.
      await polls.delete(key);
      await polls.consume(key, { durationSeconds: decision.intervalSeconds });
      body.error = 'slow_down';
      body.error_description = `polling too fast: wait at least ${decision.intervalSeconds} seconds between requests`;
      return;
    }
    const description = 'the device kept polling too fast after being told to slow down';
    await endDeviceAuthorization(provider(), deviceCode, 'access_denied', description);
    body.error = 'access_denied';
    body.error_description = description;
  };

  return { interval, polling };
}
