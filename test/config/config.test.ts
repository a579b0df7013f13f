import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig, type DevSecrets } from '../../config/index.ts';

const dev: DevSecrets = { keysEncryptionKey: randomBytes(32), cookieSecret: 'c'.repeat(43), adminToken: 'a'.repeat(43) };
const devSecrets = () => dev;

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, devSecrets);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

const production = {
  NODE_ENV: 'production',
  ISSUER: 'https://id.example.com',
  REDIS_URL: 'redis://redis:6379',
  KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
  COOKIE_SECRETS: randomBytes(32).toString('hex'),
};

describe('configuration', () => {
  it('runs development with no settings at all: port 3000, localhost issuer, memory store, dev secrets', () => {
    const config = loadConfig({}, devSecrets);
    expect(config.env).to.equal('development');
    expect(config.port).to.equal(3000);
    expect(config.issuer).to.equal('http://localhost:3000');
    expect(config.redis).to.equal(undefined);
    expect(config.devSeed).to.equal(true);
    expect(config.adminToken).to.equal(dev.adminToken);
    expect(config.keysEncryptionKeys).to.deep.equal([dev.keysEncryptionKey]);
    expect(config.signingAlg).to.equal('ES256');
    expect(config.idTokenClaims).to.equal('scopes');
    expect(config.bcryptCost).to.equal(12);
  });

  it('reads the risk model switch and thresholds: the tuned defaults, numbers, deny above step-up', () => {
    expect(loadConfig({}, devSecrets).risk).to.deep.equal({ enabled: true, stepUp: -0.5, deny: 11 });
    expect(loadConfig({ RISK: 'false', RISK_STEP_UP_THRESHOLD: '2', RISK_DENY_THRESHOLD: '8.5' }, devSecrets).risk).to.deep.equal({ enabled: false, stepUp: 2, deny: 8.5 });
    expect(problems({ RISK_DENY_THRESHOLD: 'high' })[0]).to.match(/^RISK_DENY_THRESHOLD: /);
    expect(problems({ RISK_STEP_UP_THRESHOLD: '5', RISK_DENY_THRESHOLD: '5' })[0]).to.match(/^RISK_DENY_THRESHOLD: must be above RISK_STEP_UP_THRESHOLD/);
    // Adaptive second factors are asked by the risk model: without it they would never be.
    expect(problems({ MFA_POLICY: 'adaptive', RISK: 'false' })[0]).to.match(/^MFA_POLICY: adaptive .* needs RISK=true/);
    expect(loadConfig({ MFA_POLICY: 'adaptive' }, devSecrets).mfaPolicy).to.equal('adaptive');
  });

  it('reads ID_TOKEN_CLAIMS as scopes or strict, naming it otherwise', () => {
    expect(loadConfig({ ID_TOKEN_CLAIMS: 'strict' }, devSecrets).idTokenClaims).to.equal('strict');
    expect(problems({ ID_TOKEN_CLAIMS: 'some' })[0]).to.match(/^ID_TOKEN_CLAIMS: /);
  });

  it('listens on loopback by default in development, on every address in production', () => {
    expect(loadConfig({}, devSecrets).host).to.equal('127.0.0.1');
    expect(loadConfig(production).host).to.equal('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }, devSecrets).host).to.equal('0.0.0.0');
  });

  it('reads ADMIN_LISTEN as host:port or a port on loopback', () => {
    expect(loadConfig({ ADMIN_LISTEN: '9000' }, devSecrets).adminListen).to.deep.equal({ host: '127.0.0.1', port: 9000 });
    expect(loadConfig({ ADMIN_LISTEN: '10.0.0.5:9000' }, devSecrets).adminListen).to.deep.equal({ host: '10.0.0.5', port: 9000 });
    expect(loadConfig({ ADMIN_LISTEN: '[::1]:9000' }, devSecrets).adminListen).to.deep.equal({ host: '::1', port: 9000 });
    expect(problems({ ADMIN_LISTEN: 'nine thousand' })[0]).to.match(/^ADMIN_LISTEN: /);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', ISSUER: '' }, devSecrets).port).to.equal(3000);
  });

  it('names the variable and the problem for each bad value', () => {
    expect(problems({ PORT: 'eighty' })[0]).to.match(/^PORT: /);
    expect(problems({ PORT: '70000' })[0]).to.match(/^PORT: /);
    expect(problems({ ISSUER: 'not a url' })[0]).to.match(/^ISSUER: /);
    expect(problems({ REDIS_URL: 'http://redis' })[0]).to.match(/^REDIS_URL: /);
    expect(problems({ KEYS_ENCRYPTION_KEY: 'short' })[0]).to.match(/^KEYS_ENCRYPTION_KEY \(at 0\): .*32 bytes/);
    expect(problems({ COOKIE_SECRETS: 'tooshort' })[0]).to.match(/^COOKIE_SECRETS \(at 0\): .*32 characters/);
    expect(problems({ BCRYPT_COST: '3' })[0]).to.match(/^BCRYPT_COST: /);
    expect(problems({ SIGNING_ALG: 'HS256' })[0]).to.match(/^SIGNING_ALG: /);
    expect(problems({ RESOURCE_SERVERS: '{oops' })[0]).to.match(/^RESOURCE_SERVERS: must be a JSON array/);
    expect(problems({ RESOURCE_SERVERS: '[{"identifier":"nope"}]' })[0]).to.match(/^RESOURCE_SERVERS \(at 0.identifier\): /);
    expect(problems({ REDIS_SENTINELS: 'a:1', REDIS_CLUSTER_NODES: 'b:2' })[0]).to.match(/^REDIS_SENTINELS: /);
    expect(problems({ REDIS_CLUSTER_NODES: 'nohostport' })[0]).to.match(/^REDIS_CLUSTER_NODES/);
  });

  it('reads RESOURCE_SERVERS: scopes as names or with plain words, each once, identifiers once, no unknown fields', () => {
    const [api] = loadConfig(
      { RESOURCE_SERVERS: JSON.stringify([{ identifier: 'https://api.example.com', name: 'Files', scopes: ['read', { name: 'write', description: 'Change your files' }] }]) },
      devSecrets,
    ).resourceServers;
    expect(api).to.deep.equal({
      identifier: 'https://api.example.com',
      name: 'Files',
      scopes: [{ name: 'read' }, { name: 'write', description: 'Change your files' }],
      accessTokenFormat: 'jwt',
    });
    const twice = JSON.stringify([{ identifier: 'https://a.example.com' }, { identifier: 'https://a.example.com' }]);
    expect(problems({ RESOURCE_SERVERS: twice })[0]).to.equal('RESOURCE_SERVERS: each identifier once');
    expect(problems({ RESOURCE_SERVERS: '[{"identifier":"https://a.example.com","scopes":["x","x"]}]' })[0]).to.match(/^RESOURCE_SERVERS \(at 0.scopes\): each scope once/);
    expect(problems({ RESOURCE_SERVERS: '[{"identifier":"https://a.example.com","scope":"x"}]' })[0]).to.match(/^RESOURCE_SERVERS \(at 0\): /);
    expect(problems({ RESOURCE_SERVERS: '[{"identifier":"https://a.example.com/#x"}]' })[0]).to.match(/^RESOURCE_SERVERS \(at 0.identifier\): .*without a fragment/);
  });

  it('reports every bad variable at once', () => {
    expect(problems({ PORT: 'x', BCRYPT_COST: 'y' })).to.have.length(2);
  });

  it('accepts a safe production configuration', () => {
    const config = loadConfig(production);
    expect(config.env).to.equal('production');
    expect(config.devSeed).to.equal(false);
    expect(config.adminToken).to.equal(undefined);
    expect(config.redis?.url).to.equal('redis://redis:6379');
  });

  it('refuses unsafe production settings and says which', () => {
    const { REDIS_URL: _r, ...noRedis } = production;
    expect(problems(noRedis)).to.deep.equal(['REDIS_URL: required in production; the in-memory store loses everything on restart']);
    expect(problems({ ...production, ISSUER: 'http://id.example.com' })[0]).to.match(/^ISSUER: must be an https/);
    const { KEYS_ENCRYPTION_KEY: _k, COOKIE_SECRETS: _c, ...noSecrets } = production;
    expect(problems(noSecrets).map((p) => p.split(':')[0])).to.deep.equal(['KEYS_ENCRYPTION_KEY', 'COOKIE_SECRETS']);
    expect(problems({ ...production, DEV_SEED: 'true' })[0]).to.match(/^DEV_SEED: /);
  });

  it('refuses guessable cookie secrets and admin tokens in production', () => {
    expect(problems({ ...production, COOKIE_SECRETS: 'a'.repeat(32) })[0]).to.match(/^COOKIE_SECRETS: .*too little variety/);
    expect(problems({ ...production, COOKIE_SECRETS: `${randomBytes(32).toString('hex')},${'ab'.repeat(20)}` })[0]).to.match(/^COOKIE_SECRETS: /);
    expect(problems({ ...production, ADMIN_TOKEN: 'a'.repeat(40) })[0]).to.match(/^ADMIN_TOKEN: .*too little variety/);
    expect(loadConfig({ ...production, ADMIN_TOKEN: randomBytes(32).toString('base64url') }).adminToken).to.be.a('string');
    // Development keeps whatever it is given: the generated ones are strong, and tests use fixed ones.
    expect(loadConfig({ COOKIE_SECRETS: 'a'.repeat(32) }, devSecrets).cookieSecrets).to.deep.equal(['a'.repeat(32)]);
  });

  it('accepts several encryption keys and cookie secrets, in order', () => {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const config = loadConfig({ ...production, KEYS_ENCRYPTION_KEY: `${a.toString('hex')}, ${b.toString('base64url')}` });
    expect(config.keysEncryptionKeys).to.deep.equal([a, b]);
  });

  it('configures Sentinel and Cluster topologies', () => {
    const sentinel = loadConfig({ REDIS_SENTINELS: 'a:26379,b:26379', REDIS_SENTINEL_NAME: 'main' }, devSecrets);
    expect(sentinel.redis).to.include({ sentinelName: 'main' });
    expect(sentinel.redis?.sentinels).to.deep.equal([{ host: 'a', port: 26379 }, { host: 'b', port: 26379 }]);
    const cluster = loadConfig({ REDIS_CLUSTER_NODES: 'n1:7000' }, devSecrets);
    expect(cluster.redis?.clusterNodes).to.deep.equal([{ host: 'n1', port: 7000 }]);
  });
});
