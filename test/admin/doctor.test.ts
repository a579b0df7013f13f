// latchkey doctor: the rules as data (assess is pure), then the command against a deployment set
// up well and one set up badly, inside (Redis settings, clients) and out (the issuer's discovery).
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { assess, type DoctorFacts, type Finding } from '../../server/admin/doctor.ts';
import { cliAt } from '../support/cli.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient } from '../support/oidc.ts';

const NOW = Date.UTC(2026, 11, 2, 12);
const DAY = 86_400_000;
const good: DoctorFacts = {
  production: true,
  issuer: 'https://id.example.com',
  store: { kind: 'redis', aof: true, appendfsync: 'everysec', rdb: false, maxmemoryPolicy: 'noeviction', serverTimeMs: NOW, readAtMs: NOW + 40 },
  now: NOW,
  adminToken: 'f3a9c1d27b8e4f6a0c5d9e2b7a1f4c8d3e6b9a0c2f5d8e1b',
  keys: [{ kid: 'k1', alg: 'ES256', state: 'current', createdAt: NOW - 10 * DAY }],
  rotationSchedule: '0 3 * * 1',
  rotationIntervalMs: 7 * DAY,
  clients: [{ clientId: 'web', metadata: { client_id: 'web', redirect_uris: ['https://app.example.com/cb', 'http://127.0.0.1:8080/cb'] } }],
  clientsTruncated: false,
};
const levels = (findings: Finding[], check: string) => findings.filter((f) => f.check === check).map((f) => f.level);

describe('doctor: the rules', () => {
  it('finds nothing wrong with a deployment set up as the README says', () => {
    const findings = assess(good);
    expect(findings.filter((f) => f.level !== 'ok')).to.deep.equal([]);
    expect(findings.map((f) => f.check)).to.include.members(['redis persistence', 'redis eviction', 'clock', 'key rotation', 'admin token', 'client redirect URIs']);
  });

  it('judges Redis persistence, eviction and the clock', () => {
    expect(levels(assess({ ...good, store: { ...good.store, aof: false, rdb: true } }), 'redis persistence')).to.deep.equal(['warning']);
    expect(levels(assess({ ...good, store: { ...good.store, appendfsync: 'no' } }), 'redis persistence')).to.deep.equal(['warning']);
    expect(levels(assess({ ...good, store: { ...good.store, maxmemoryPolicy: 'allkeys-lru' } }), 'redis eviction')).to.deep.equal(['error']);
    expect(levels(assess({ ...good, store: { ...good.store, maxmemoryPolicy: 'volatile-ttl' } }), 'redis eviction')).to.deep.equal(['warning']);
    expect(levels(assess({ ...good, store: { ...good.store, readAtMs: NOW + 5_000 } }), 'clock')).to.deep.equal(['warning']);
    expect(levels(assess({ ...good, store: { ...good.store, readAtMs: NOW - 45_000 } }), 'clock')).to.deep.equal(['error']);
    expect(levels(assess({ ...good, store: { kind: 'memory' } }), 'store')).to.deep.equal(['error']);
    expect(levels(assess({ ...good, production: false, store: { kind: 'memory' } }), 'store')).to.deep.equal(['warning']);
  });

  it('judges keys and their rotation, the issuer, the admin token and clients', () => {
    expect(levels(assess({ ...good, rotationSchedule: undefined }), 'key rotation')).to.deep.equal(['warning']);
    expect(levels(assess({ ...good, keys: [{ ...good.keys[0]!, createdAt: NOW - 40 * DAY }] }), 'key rotation')).to.deep.equal(['warning']);
    expect(levels(assess({ ...good, keys: [] }), 'signing keys')).to.deep.equal(['error']);
    expect(levels(assess({ ...good, issuer: 'http://id.example.com' }), 'issuer')).to.deep.equal(['error']);
    expect(levels(assess({ ...good, adminToken: 'a'.repeat(40) }), 'admin token')).to.deep.equal(['error']);
    const http = { ...good, clients: [{ clientId: 'old', metadata: { client_id: 'old', redirect_uris: ['http://app.example.com/cb'] } }] };
    const found = assess(http).filter((f) => f.check === 'client redirect URIs');
    expect(found.map((f) => f.level)).to.deep.equal(['error']);
    expect(found[0]!.message).to.include('old').and.include('http://app.example.com/cb');
    expect(levels(assess({ ...http, production: false }), 'client redirect URIs')).to.deep.equal(['warning']);
  });
});

describe('latchkey doctor', () => {
  let running: Running;
  let redis: Redis;
  before(async () => {
    running = await startLatchkey({ store: 'redis' });
    redis = new Redis(running.redis!.url);
  });
  after(async () => {
    await redis.quit();
    await running.stop();
  });

  it('says what is wrong and what to do, and exits 1, on a deployment set up badly', async () => {
    await redis.config('SET', 'appendonly', 'no');
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await addClient(running, { client_id: 'plain-http-app', redirect_uris: ['http://app.example.test/cb'] });
    const run = await cliAt(running.url, ['doctor']);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.match(/^ERROR +redis eviction: maxmemory-policy allkeys-lru/m);
    expect(run.stdout).to.match(/→ maxmemory-policy noeviction/);
    expect(run.stdout).to.match(/^warn +redis persistence: neither AOF nor RDB/m);
    expect(run.stdout).to.match(/^warn +client redirect URIs: plain-http-app: redirect_uris: http:\/\/app.example.test\/cb/m);
    expect(run.stdout).to.match(/^ok +issuer answers/m);
    expect(run.stderr).to.match(/^latchkey: 1 problem to fix/);
  });

  it('passes a deployment set up well, and checks the issuer from outside', async () => {
    await redis.config('SET', 'appendonly', 'yes');
    await redis.config('SET', 'appendfsync', 'everysec');
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    const json = await cliAt(running.url, ['doctor', '--json']);
    const { findings } = JSON.parse(json.stdout) as { findings: Finding[] };
    expect(levels(findings, 'redis persistence')).to.deep.equal(['ok']);
    expect(levels(findings, 'redis eviction')).to.deep.equal(['ok']);
    expect(levels(findings, 'endpoints behind the proxy')).to.deep.equal(['ok']);
    expect(levels(findings, 'jwks')).to.deep.equal(['ok']);
    // Checked at an address that is not the issuer, as a wrong ISSUER or a proxy would show it.
    const elsewhere = await cliAt(running.url, ['doctor', '--issuer', running.url.replace('127.0.0.1', 'localhost')]);
    expect(elsewhere.code).to.equal(1);
    expect(elsewhere.stdout).to.match(/^ERROR +(issuer answers|discovery)/m);
  });
});
