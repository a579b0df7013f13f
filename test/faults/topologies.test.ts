// Latchkey on replicated Redis, three instances behind a round-robin proxy so that each step of
// a flow lands on a different instance: on a Cluster (three masters, three replicas) and on
// Sentinel (a master, two replicas, three sentinels). Then the master is killed (kill -9) under
// load: requests fail only while the replica takes over, then succeed again with no instance
// restarted. The failover window and the error count are printed.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { startInstances, type Deployment } from '../support/instances.ts';
import { addClient, addUser, signIn } from '../support/oidc.ts';
import { startCluster, startSentinel, type Replicated } from '../support/redis-topologies.ts';
import { expectOAuthError } from '../support/flows.ts';

const TOPOLOGIES = { cluster: () => startCluster(), sentinel: () => startSentinel() };

for (const [name, start] of Object.entries(TOPOLOGIES)) {
  describe(`faults: three instances on Redis ${name}`, function () {
    this.timeout(60_000);
    let redis: Replicated;
    let deployment: Deployment;
    before(async () => {
      redis = await start();
      deployment = await startInstances(3, redis.env, redis.nodes[0]);
    });
    after(async () => {
      await deployment?.stop();
      await redis?.stop();
    });

    const discover = (clientId: string, secret?: string) =>
      oidc.discovery(new URL(deployment.url), clientId, secret, secret ? oidc.ClientSecretBasic(secret) : oidc.None(), { execute: [oidc.allowInsecureRequests] });

    it('runs the code flow, refresh rotation and reuse, userinfo, introspection, revocation and client credentials with each step on another instance', async () => {
      const [first] = deployment.instances;
      const user = await addUser(first!);
      const web = await addClient(first!);
      const rp = await discover(web.clientId, web.secret);
      const { tokens } = await signIn(rp, user.email);
      expect((await oidc.fetchUserInfo(rp, tokens.access_token, oidc.skipSubjectCheck)).email).to.equal(user.email);
      expect((await oidc.tokenIntrospection(rp, tokens.access_token)).active).to.equal(true);
      const rotated = await oidc.refreshTokenGrant(rp, tokens.refresh_token!);
      // The rotated-out token presented again: the whole grant goes, on whichever instance.
      await expectOAuthError(oidc.refreshTokenGrant(rp, tokens.refresh_token!), 'invalid_grant');
      await expectOAuthError(oidc.refreshTokenGrant(rp, rotated.refresh_token!), 'invalid_grant');
      expect((await oidc.tokenIntrospection(rp, rotated.access_token)).active).to.equal(false);

      const again = await signIn(rp, user.email);
      await oidc.tokenRevocation(rp, again.tokens.access_token);
      expect((await oidc.tokenIntrospection(rp, again.tokens.access_token)).active).to.equal(false);

      const svc = await addClient(first!, { redirect_uris: [], response_types: [], grant_types: ['client_credentials'] });
      const service = await discover(svc.clientId, svc.secret);
      const token = await oidc.clientCredentialsGrant(service, {});
      expect((await oidc.tokenIntrospection(service, token.access_token)).active).to.equal(true);
    });

    it('follows a failover of the master under load: errors only during the window, then success, no restart', async () => {
      const [first] = deployment.instances;
      const svc = await addClient(first!, { redirect_uris: [], response_types: [], grant_types: ['client_credentials'] });
      const basic = `Basic ${Buffer.from(`${svc.clientId}:${svc.secret}`).toString('base64')}`;
      const outcomes: { at: number; status: number; error?: string }[] = [];
      const tokenRequest = async () => {
        const at = Date.now();
        const response = await fetch(`${deployment.url}/token`, {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: 'grant_type=client_credentials',
        });
        const body = (await response.json().catch(() => ({}))) as { error?: string };
        outcomes.push({ at, status: response.status, error: body.error });
      };
      let stopped = false;
      const worker = async () => {
        while (!stopped) await tokenRequest();
      };
      const workers = Promise.all(Array.from({ length: 8 }, worker));
      const warm = async (count: number) => {
        const from = outcomes.length;
        while (outcomes.slice(from).filter((o) => o.status === 200).length < count) await new Promise((resolve) => setTimeout(resolve, 10));
      };
      await warm(100);
      const killedAt = Date.now();
      await redis.killMaster();
      await redis.failedOver();
      const failedOverAt = Date.now();
      // Until a good run of successes follows the last failure.
      const settled = () => {
        const lastFailure = outcomes.findLastIndex((o) => o.status !== 200);
        return lastFailure >= 0 && outcomes.length - lastFailure > 200 ? lastFailure : undefined;
      };
      const deadline = Date.now() + 20_000;
      while (settled() === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      stopped = true;
      await workers;

      const during = outcomes.filter((o) => o.at >= killedAt - 50);
      const failures = during.filter((o) => o.status !== 200);
      const lastFailure = failures.at(-1);
      const firstFailure = failures[0];
      const statuses: Record<string, number> = {};
      for (const f of failures) statuses[`${f.status} ${f.error ?? ''}`] = (statuses[`${f.status} ${f.error ?? ''}`] ?? 0) + 1;
      console.log(
        `      ${name}: master killed; failover seen by Redis after ${failedOverAt - killedAt} ms; ${failures.length} of ${during.length} token requests failed, ` +
          `between ${firstFailure ? firstFailure.at - killedAt : '-'} and ${lastFailure ? lastFailure.at - killedAt : '-'} ms after the kill (${JSON.stringify(statuses)})`,
      );
      expect(settled(), 'a run of 200 successes after the last failure').to.not.equal(undefined);
      // Failures are 503s that say to retry, never 500s.
      for (const key of Object.keys(statuses)) expect(key).to.equal('503 temporarily_unavailable');
      // After the window, every request succeeds: the instances followed the new master by themselves.
      expect(outcomes.slice(outcomes.findLastIndex((o) => o.status !== 200) + 1).every((o) => o.status === 200)).to.equal(true);
    });
  });
}
