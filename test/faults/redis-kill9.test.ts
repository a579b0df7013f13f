// kill -9 of a Redis with AOF `appendfsync always`, in the middle of writes, then a restart:
// everything acknowledged before the kill is still there. Every key written before the load
// (users, clients, keys, sessions, grants, codes and tokens) comes back with the same value, and
// every user and token acknowledged during the load, up to the kill, exists afterwards.
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { TEST_ADMIN_TOKEN } from '../support/latchkey.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';
import { waitFor } from '../support/wait.ts';
import { startRig, type Rig } from './rig.ts';

describe('faults: Redis killed (kill -9) with appendfsync always', function () {
  this.timeout(60_000);
  let rig: Rig;
  let redis: Redis;
  before(async () => {
    rig = await startRig({ appendfsync: 'always' });
    redis = new Redis(rig.redis.url, { lazyConnect: true, retryStrategy: () => 100, maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    await redis.connect();
  });
  after(async () => {
    redis.disconnect();
    await rig.stop();
  });

  const prefix = () => rig.running.config.redis!.keyPrefix;
  async function snapshot(): Promise<Map<string, string>> {
    const keys: string[] = [];
    for (let cursor = '0'; ; ) {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix()}*`, 'COUNT', 1000);
      keys.push(...batch);
      if ((cursor = next) === '0') break;
    }
    const contents = await Promise.all(keys.map(contentOf));
    return new Map(keys.map((key, i) => [key, contents[i]!]));
  }
  /** A key's value, in an order that does not depend on how Redis encodes it. */
  async function contentOf(key: string): Promise<string> {
    const type = await redis.type(key);
    if (type === 'string') return `${type} ${await redis.get(key)}`;
    if (type === 'hash') return `${type} ${JSON.stringify(Object.entries(await redis.hgetall(key)).sort())}`;
    if (type === 'set') return `${type} ${JSON.stringify((await redis.smembers(key)).sort())}`;
    if (type === 'zset') return `${type} ${JSON.stringify(await redis.zrange(key, '0', '-1', 'WITHSCORES'))}`;
    if (type === 'list') return `${type} ${JSON.stringify(await redis.lrange(key, 0, -1))}`;
    return type;
  }
  /** Keys by what they hold: the part before the hash tag (AccessToken, Session, doc:users, …). */
  const kindOf = (key: string) => key.slice(prefix().length).split(':{')[0]!;

  it('keeps every grant, session, token, user and client acknowledged before the kill', async () => {
    // Quiet state: people signed in through two apps, services, users.
    for (let i = 0; i < 3; i++) {
      const web = await addClient(rig.running, { grant_types: ['authorization_code', 'refresh_token'] });
      const user = await addUser(rig.running);
      await signIn(await discover(rig.running, web.clientId, web.secret), user.email);
    }
    await addUser(rig.running);
    const before = await snapshot();
    const counts: Record<string, number> = {};
    for (const key of before.keys()) counts[kindOf(key)] = (counts[kindOf(key)] ?? 0) + 1;
    for (const kind of ['Session', 'Grant', 'AccessToken', 'RefreshToken', 'AuthorizationCode', 'doc:users', 'doc:clients', 'doc:keys']) {
      expect(counts[kind] ?? 0, `${kind} keys before the kill`).to.be.above(0);
    }

    // Writes under way when Redis dies: users through the admin API, client credentials tokens.
    const ackedUsers: string[] = [];
    const ackedTokens: string[] = [];
    let killed = false;
    let n = 0;
    const writer = async () => {
      while (!killed) {
        const email = `load-${++n}@example.test`;
        const created = await fetch(new URL('/admin/users', rig.running.url), {
          method: 'POST',
          headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: 'a sturdy test passphrase', name: 'Load' }),
        });
        if (created.status === 201 || created.status === 200) ackedUsers.push(email);
        const token = await rig.clientCredentials();
        if (token.status === 200) ackedTokens.push((JSON.parse(token.body) as { access_token: string }).access_token);
      }
    };
    const writers = Promise.all([writer(), writer(), writer()]);
    await waitFor(async () => ackedTokens.length, (count) => count >= 30, { within: 10_000, what: '30 tokens under load' });
    await rig.redis.halt!('SIGKILL');
    const ackedAtKill = { users: ackedUsers.length, tokens: ackedTokens.length };
    await waitFor(rig.ready, (answer) => answer.status === 503, { within: 1_000, what: 'not ready after the kill' });
    killed = true;
    await writers;
    // Nothing more was acknowledged once Redis was gone (a reply in flight at the kill may be).
    expect(ackedUsers.length - ackedAtKill.users).to.be.at.most(3);

    await rig.redis.restart!();
    await waitFor(rig.ready, (answer) => answer.status === 200, { within: 2_000, what: 'ready after the restart' });

    const after = await snapshot();
    const changedByLoad = (key: string) => kindOf(key).startsWith('doc-index') || kindOf(key).startsWith('limit:');
    for (const [key, dump] of before) {
      expect(after.has(key), `${kindOf(key)} key lost`).to.equal(true);
      if (!changedByLoad(key)) expect(after.get(key), `${kindOf(key)} key changed`).to.equal(dump);
    }
    for (const email of ackedUsers) expect(await rig.running.latchkey.users.findByEmail(email), email).to.not.equal(undefined);
    const service = await discover(rig.running, rig.service.clientId, rig.service.secret);
    const { tokenIntrospection } = await import('openid-client');
    for (const token of ackedTokens) expect((await tokenIntrospection(service, token)).active, 'an acknowledged token').to.equal(true);
    console.log(
      `      before the kill: ${Object.entries(counts).map(([kind, count]) => `${count} ${kind}`).join(', ')}; under load ${ackedUsers.length} users and ${ackedTokens.length} tokens acknowledged: all there after the restart`,
    );
  });
});
