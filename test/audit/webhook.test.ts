// The audit webhook: every event POSTed, signed with a timestamp, retried with backoff while the
// receiver fails, delivered at least once; an event held by an instance that dies is delivered by
// another once the receiver answers; an entry that is no event is logged and skipped, never holding
// back the events after it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { AUDIT_STREAM } from '../../server/audit/trail.ts';
import { tokenRequest } from '../support/flows.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient } from '../support/oidc.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';

const SECRET = 'webhook-secret-for-the-tests-0123456789abcdef';

interface Received {
  id: string;
  event: { type: string; client?: string; tokenIdHash?: string };
  signatureOk: boolean;
  age: number;
}

/** A receiver that checks each signature and answers `status()` (200 once it is set so). */
async function receiver(status: () => number) {
  const got: Received[] = [];
  let attempts = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      attempts++;
      const header = String(req.headers['latchkey-signature'] ?? '');
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header) ?? [];
      const expected = createHmac('sha256', SECRET).update(`${t}.${body}`).digest();
      const signatureOk = !!v1 && timingSafeEqual(Buffer.from(v1, 'hex'), expected);
      const code = status();
      if (code === 200) {
        const parsed = JSON.parse(body) as { id: string; event: Received['event'] };
        expect(req.headers['latchkey-event-id']).to.equal(parsed.id);
        got.push({ ...parsed, signatureOk, age: Date.now() / 1000 - Number(t) });
      }
      res.writeHead(code).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    attempts: () => attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('audit webhook', () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis.stop());

  // One deployment: instances share the keyspace and the keys.
  const deployment = { REDIS_KEY_PREFIX: `hook${randomBytes(4).toString('hex')}:`, KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64url'), COOKIE_SECRETS: randomBytes(32).toString('base64url') };
  const envFor = (url: string) => ({ ...deployment, AUDIT_WEBHOOK_URL: url, AUDIT_WEBHOOK_SECRET: SECRET, AUDIT_WEBHOOK_EVENTS: 'token.*', AUDIT_WEBHOOK_CLAIM_AFTER_SECONDS: '1' });

  async function issueToken(running: Running) {
    const { clientId, secret } = await addClient(running, { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
    expect((await tokenRequest(running, { clientId, secret }, { grant_type: 'client_credentials' })).status).to.equal(200);
    await running.latchkey.audit.flush();
    return clientId;
  }

  it('signs each delivery, retries while the receiver fails, and delivers once it answers', async () => {
    let answer = 500;
    const hook = await receiver(() => answer);
    const running = await startLatchkey({ redis, env: envFor(hook.url) });
    try {
      const clientId = await issueToken(running);
      await waitFor(async () => hook.attempts(), (n) => n >= 2, { within: 5_000, what: 'a retried delivery' });
      expect(hook.got).to.deep.equal([]);
      answer = 200;
      const got = await waitFor(async () => hook.got.filter((r) => r.event.client === clientId), (g) => g.length > 0, { within: 10_000, what: 'the delivery' });
      expect(got).to.have.length(1);
      expect(got[0]!.event.type).to.equal('token.issued');
      expect(got[0]!.signatureOk).to.equal(true);
      expect(got[0]!.age).to.be.lessThan(60);
      // Only the events asked for (token.*): no admin or alert events.
      expect(hook.got.every((r) => r.event.type.startsWith('token.'))).to.equal(true);
    } finally {
      await running.stop();
      await hook.close();
    }
  });

  it('delivers, from another instance, an event the instance that took it could not deliver before it died', async () => {
    let answer = 503;
    const hook = await receiver(() => answer);
    const first = await startLatchkey({ redis, env: envFor(hook.url) });
    let clientId: string;
    try {
      clientId = await issueToken(first);
      await waitFor(async () => hook.attempts(), (n) => n >= 1, { within: 5_000, what: 'a failed delivery' });
    } finally {
      await first.stop();
    }
    expect(hook.got).to.deep.equal([]);
    answer = 200;
    const second = await startLatchkey({ redis, env: envFor(hook.url) });
    try {
      const got = await waitFor(async () => hook.got.filter((r) => r.event.client === clientId), (g) => g.length > 0, { within: 10_000, what: 'the delivery by the second instance' });
      expect(got[0]!.event.type).to.equal('token.issued');
      expect(got[0]!.signatureOk).to.equal(true);
    } finally {
      await second.stop();
      await hook.close();
    }
  });

  it('skips an entry of the trail that is no event, logged once, and delivers the event after it in the same batch', async () => {
    const hook = await receiver(() => 200);
    const lines: { msg?: string; id?: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg?: string }));
        done();
      },
    });
    const running = await startLatchkey({ redis, env: envFor(hook.url), logger: pino({ level: 'debug' }, sink) });
    try {
      const event = JSON.stringify({ type: 'token.revoked', version: 1, at: Date.now(), client: 'after-garbage' });
      // One append: all three land in the one batch the webhook reads next.
      const [broken, nothing, valid] = await running.latchkey.store.streams.append(AUDIT_STREAM, ['{not json', 'null', event], { maxEntries: 1000, maxAgeMs: 86_400_000 });
      const got = await waitFor(async () => hook.got.filter((r) => r.id === valid), (g) => g.length > 0, { within: 10_000, what: 'the event after the garbage' });
      expect(got[0]!.event.client).to.equal('after-garbage');
      // Acknowledged: past the claim time (1 s), nobody takes them back to fail again.
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      await running.latchkey.webhook!.poll();
      const skipped = lines.filter((l) => l.msg === 'the audit trail: an unreadable entry; skipped');
      expect(skipped.map((l) => l.id).sort()).to.deep.equal([broken, nothing].sort());
      expect(hook.got.filter((r) => r.id === valid)).to.have.length(1);
    } finally {
      await running.stop();
      await hook.close();
    }
  });

  it('needs a secret with the URL', async () => {
    const refused = await startLatchkey({ env: { AUDIT_WEBHOOK_URL: 'https://hooks.example.test/x' } }).then(
      (r) => r.stop().then(() => undefined),
      (err: Error) => err,
    );
    expect(refused?.message).to.include('AUDIT_WEBHOOK_SECRET');
  });
});
