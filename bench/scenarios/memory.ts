// Memory, Latchkey only: Redis bytes per session, grant and refresh token (MEMORY USAGE of real
// records made by real flows), then 100k sessions and the server's RSS. The sessions are
// copies of a real one (new ids), written through Latchkey's own store (a build() of the same
// configuration in this process, so the same upsert oidc-provider's adapter calls) because 100k
// sign-ins would take hours of bcrypt. Latchkey then loads every one of them: a silent re-authentication (prompt=none) with
// that session's signed cookie, which issues a code, so the process really handles 100k
// distinct sessions before its RSS is read.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Request as CannonRequest } from 'autocannon';
import type { Redis } from 'ioredis';
import type { AdapterPayload } from 'oidc-provider';
import { pino } from 'pino';
import { loadConfig } from '../../config/index.ts';
import { build } from '../../server/app/build.ts';
import { cookieNames } from '../../server/http/cookie-names.ts';
import { REDIRECT_URI } from '../fixtures.ts';
import { runFlow } from '../flow.ts';
import { runOnce } from '../load.ts';
import { limited, type Scenario } from '../scenario.ts';
import { FORWARDED, type Target } from '../servers.ts';

const MB = 1024 * 1024;

async function sample(redis: Redis, pattern: string, limit = 200): Promise<{ keys: string[]; bytes: number }> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 2000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0' && keys.length < limit);
  const chosen = keys.slice(0, limit);
  if (!chosen.length) return { keys: [], bytes: 0 };
  const sizes = await Promise.all(chosen.map((key) => redis.memory('USAGE', key, 'SAMPLES', 0) as Promise<number | null>));
  return { keys: chosen, bytes: sizes.reduce<number>((s, n) => s + (n ?? 0), 0) / chosen.length };
}

// Koa/oidc-provider signed cookies (keygrip): HMAC-SHA1 of "name=value" under the app's newest
// cookie key, base64 made URL-safe.
function cookieSignature(secret: string, name: string, value: string): string {
  return createHmac('sha1', secret)
    .update(`${name}=${value}`)
    .digest('base64')
    .replace(/\/|\+|=/g, (c) => ({ '/': '_', '+': '-', '=': '' })[c]!);
}

export const memoryScenario: Scenario = {
  name: 'memory',
  title: 'memory: Redis bytes per session / grant / refresh token; Latchkey RSS with 100k sessions',
  async run({ targets, settings, redis, pools, progress }) {
    const target = targets.find((t) => t.name === 'latchkey');
    if (!target?.env) return { unit: '', rows: [], notes: ['needs the latchkey target'] };
    const prefix = target.env.REDIS_KEY_PREFIX!;
    const r = redis.client;

    // Real records: a few full sign-ins (fresh browsers) and some refreshes.
    progress('memory: real flows for per-record sizes', true);
    const { apps, users } = target.fixtures;
    const flows = await Promise.all(users.map((user, i) => runFlow({ target, client: apps[i % apps.length]!, user })));
    const failed = flows.find((f) => !f.tokens);
    if (failed) throw new Error(`sign-in failed: ${failed.error}`);
    await pools(target).ensureRefreshTokens(8);

    const session = await sample(r, `${prefix}Session:{*`);
    const uidIndex = await sample(r, `${prefix}Session:uid:{*`);
    const grant = await sample(r, `${prefix}Grant:{*`);
    const grantSet = await sample(r, `${prefix}grant:{*`);
    const members = grantSet.keys.length ? (await Promise.all(grantSet.keys.map((k) => r.scard(k)))).reduce((s, n) => s + n, 0) / grantSet.keys.length : 0;
    const perMember = members ? grantSet.bytes / members : 0;
    const refresh = await sample(r, `${prefix}RefreshToken:{*`);
    const access = await sample(r, `${prefix}AccessToken:{*`);
    const clientCredentials = await sample(r, `${prefix}ClientCredentials:{*`);
    const perRecord = {
      sessionBytes: Math.round(session.bytes + uidIndex.bytes),
      grantBytes: Math.round(grant.bytes + grantSet.bytes / Math.max(1, members) ),
      refreshTokenBytes: Math.round(refresh.bytes + perMember),
      accessTokenBytes: Math.round(access.bytes + perMember),
      clientCredentialsTokenBytes: Math.round(clientCredentials.bytes),
      grantSetBytesPerMember: Math.round(perMember),
    };

    // 100k sessions, copies of a real one, written as the server writes them (names hashed,
    // payloads sealed), through a twin built from the same configuration: its store, its record
    // protection, and its cookie keys (app.keys, derived from COOKIE_SECRETS) to sign each cookie.
    const twin = await build(loadConfig(target.env), pino({ level: 'silent' }));
    // A signed-in session with an authorization (sessions of other scenarios may have none).
    type SessionPayload = Record<string, unknown> & { authorizations?: Record<string, unknown> };
    let source: SessionPayload | undefined;
    for (const user of users) {
      const sub = (await twin.users.findByEmail(user.email))?.sub;
      const owned = sub ? await twin.records.owned('account', sub) : [];
      source = owned.map((o) => o.payload as SessionPayload).find((p) => Object.keys(p.authorizations ?? {}).length > 0);
      if (source) break;
    }
    if (!source) throw new Error('no signed-in session with an authorization to copy');
    const clientId = Object.keys(source.authorizations!)[0]!;
    const cookieKey = (twin.app.keys as string[])[0]!;
    const sessionCookie = cookieNames(new URL(target.env.ISSUER!).protocol === 'https:').session;
    const count = settings.sessions;
    const rssBefore = target.rss();
    const usedBefore = await redis.usedMemory();
    const ids = Array.from({ length: count }, () => randomBytes(16).toString('base64url'));
    const ttl = 14 * 24 * 3600;
    let written = 0;
    await limited(ids, 256, async (jti) => {
      await twin.records.upsert('Session', jti, { ...source, jti, uid: randomBytes(16).toString('base64url') } as AdapterPayload, ttl);
      if (++written % 10_000 === 0) progress(`memory: ${written}/${count} sessions written`, true);
    });
    await twin.close();
    const usedAfter = await redis.usedMemory();

    // Latchkey loads every session once.
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'openid email profile',
      prompt: 'none',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    let next = 0;
    let codes = 0;
    let refused = 0;
    let firstRefusal = '';
    const touch: CannonRequest = {
      method: 'GET',
      path: `/auth?${query}`,
      setupRequest: (req) => {
        const jti = ids[next++ % ids.length]!;
        const cookie = `${sessionCookie}=${jti}; ${sessionCookie}.sig=${cookieSignature(cookieKey, sessionCookie, jti)}`;
        return { ...req, headers: { ...req.headers, ...FORWARDED, cookie } };
      },
      onResponse: (status, _body, _context, headers) => {
        const location = String((headers as Record<string, string>)?.location ?? (headers as Record<string, string>)?.Location ?? '');
        if (status === 303 && location.includes('code=')) codes++;
        else {
          if (!refused) firstRefusal = `${status} ${location.replace(/code=[^&]+/, 'code=…')}`;
          refused++;
        }
      },
    };
    const [touched] = await runOnce(
      target,
      [{ label: 'touch', connections: settings.connections, requests: [touch], ok: (s) => s === 303 }],
      { duration: 0, amount: count },
      progress,
      'memory: Latchkey loads each session:',
    );
    const rssAfter = target.rss();

    const notes = [
      `Redis per record (MEMORY USAGE, with its indexes): session ${perRecord.sessionBytes} B, grant ${perRecord.grantBytes} B, refresh token ${perRecord.refreshTokenBytes} B, access token ${perRecord.accessTokenBytes} B, client-credentials token ${perRecord.clientCredentialsTokenBytes || 'n/a (none in Redis yet)'} B`,
      `${count} sessions: Redis used_memory +${((usedAfter - usedBefore) / MB).toFixed(1)} MB (${Math.round((usedAfter - usedBefore) / count)} B per session)`,
      `Latchkey loaded each session once (prompt=none): ${touched!.rps.toFixed(0)} req/s, ${codes} codes, ${refused} refused${refused ? ` (first: ${firstRefusal})` : ''}`,
      `Latchkey RSS: ${((rssBefore ?? 0) / MB).toFixed(0)} MB before, ${((rssAfter ?? 0) / MB).toFixed(0)} MB after ${count} sessions`,
    ];
    const row = {
      target: 'latchkey' as const,
      rps: touched!.rps,
      rounds: [touched!.rps],
      p50: touched!.p50,
      p99: touched!.p99,
      errors: touched!.errors + refused,
      statuses: Object.fromEntries(Object.entries(touched!.statuses).map(([code, n]) => [`touch:${code}`, n])),
      parts: [touched!],
      extra: { rssBeforeMB: Math.round((rssBefore ?? 0) / MB), rssAfterMB: Math.round((rssAfter ?? 0) / MB) },
    };
    return {
      unit: 'req/s',
      rows: [row],
      notes,
      data: { perRecord, sessions: count, redisBytesPerSession: Math.round((usedAfter - usedBefore) / count), rssBefore, rssAfter, touched, codes, refused },
    };
  },
};

