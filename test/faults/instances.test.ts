// Latchkey instances are stateless: one killed (kill -9) in the middle of a person's sign-in, or
// between the code and the token request, and the flow finishes on another instance; one drained
// (SIGTERM) under load behind a proxy, and not a single request fails. Real processes
// (server/main.ts) on one redis-server, behind the proxy in processes.ts.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { TEST_ADMIN_TOKEN } from '../support/latchkey.ts';
import { PASSWORD, REDIRECT_URI } from '../support/oidc.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { deploymentEnv, startInstance, startProxy, stopInstance, type Instance, type Proxy } from './processes.ts';

describe('faults: instances killed and drained', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let proxy: Proxy;
  let instances: Instance[];
  let web: { clientId: string; secret: string };
  let service: { clientId: string; secret: string };
  const email = 'ada@example.test';

  const admin = async (path: string, body: unknown) => {
    const response = await fetch(new URL(path, proxy.url), { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status, `${path}: ${await response.clone().text()}`).to.equal(201);
    return (await response.json()) as { secret: string };
  };
  const config = (client: { clientId: string; secret: string }) =>
    oidc.discovery(new URL(proxy.url), client.clientId, client.secret, oidc.ClientSecretBasic(client.secret), { execute: [oidc.allowInsecureRequests] });

  before(async () => {
    redis = await startRedis();
    proxy = await startProxy();
    // The proxy checks readiness every 100 ms: a 1 s drain is plenty for it to notice.
    const env = { ...deploymentEnv(proxy.url, redis), SHUTDOWN_DRAIN_SECONDS: '1' };
    instances = await Promise.all([0, 1, 2, 3].map(() => startInstance(env)));
    proxy.use(instances);
    await admin('/admin/users', { email, password: PASSWORD, name: 'Ada' });
    const added = await admin('/admin/clients', { client_id: 'web', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] });
    web = { clientId: 'web', secret: added.secret };
    const svc = await admin('/admin/clients', { client_id: 'svc', redirect_uris: [], response_types: [], grant_types: ['client_credentials'] });
    service = { clientId: 'svc', secret: svc.secret };
  });
  after(async () => {
    await Promise.all(instances.map(stopInstance));
    await proxy.close();
    await redis.stop();
  });

  it('finishes a sign-in on another instance after the one that served login is killed, and the token request after the one that issued the code is', async () => {
    const [a, b, c] = instances as [Instance, Instance, Instance];
    const rp = await config(web);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(rp, { redirect_uri: REDIRECT_URI, scope: 'openid email offline_access', prompt: 'consent', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
    const browser = new Browser([new URL(REDIRECT_URI).origin]);

    // Authorization request and login on A only.
    proxy.use([a]);
    const login = await browser.get(url.href);
    const consent = await browser.submit(login, { Email: email, Password: PASSWORD }, 'Sign in');
    expect(consent.html, 'the consent page, drawn by A').to.include('name="decision"');

    // A dies between login and consent; B takes the consent and issues the code.
    await stopInstance(a);
    proxy.use([b]);
    const callback = await browser.submit(consent, {}, 'Allow');
    expect(callback.url.startsWith(REDIRECT_URI), `${callback.status} ${callback.url} ${callback.html.slice(0, 300)}`).to.equal(true);

    // B dies between the code and the token request; C redeems the code, then refreshes.
    await stopInstance(b);
    proxy.use([c]);
    const tokens = await oidc.authorizationCodeGrant(rp, new URL(callback.url), { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.access_token).to.be.a('string');
    const refreshed = await oidc.refreshTokenGrant(rp, tokens.refresh_token!);
    expect(refreshed.access_token).to.be.a('string');
    expect((await oidc.fetchUserInfo(rp, refreshed.access_token, oidc.skipSubjectCheck)).email).to.equal(email);
  });

  it('drains an instance under load (SIGTERM) with zero failed requests', async () => {
    const [, , c, d] = instances as Instance[] as [Instance, Instance, Instance, Instance];
    proxy.use([c, d]);
    const svc = await config(service);
    const counts = { ok: 0, failed: 0 };
    const failures: string[] = [];
    let running = true;
    const worker = async () => {
      while (running) {
        try {
          const tokens = await oidc.clientCredentialsGrant(svc, {});
          const info = await oidc.tokenIntrospection(svc, tokens.access_token);
          if (info.active !== true) throw new Error('inactive token');
          counts.ok += 2;
        } catch (error) {
          counts.failed++;
          const cause = (error as { cause?: { status?: number } }).cause;
          failures.push(`${String(error)} ${cause?.status ?? ""}`);
        }
      }
    };
    const workers = Promise.all(Array.from({ length: 16 }, worker));
    const okBefore = async () => counts.ok;
    while ((await okBefore()) < 200) await new Promise((resolve) => setImmediate(resolve));
    const retriedBefore = proxy.retried();
    c.child.kill('SIGTERM');
    const code = await c.exited;
    const atExit = counts.ok;
    // Keep the load on the survivor for as long again as it took C to drain.
    while (counts.ok < atExit + 200) await new Promise((resolve) => setImmediate(resolve));
    running = false;
    await workers;
    console.log(`      ${counts.ok} requests while C drained and after, ${counts.failed} failed; ${proxy.retried() - retriedBefore} refused connections retried on D`);
    expect(code, c.output().slice(-500)).to.equal(0);
    expect(c.output()).to.include('draining');
    expect(c.output()).to.include('"msg":"stopped"');
    expect(failures.slice(0, 3)).to.deep.equal([]);
    expect(counts.failed).to.equal(0);
  });
});
