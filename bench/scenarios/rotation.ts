// A forced signing key rotation under load, across three instances on one Redis: failed
// requests during the swap (must be 0), how long until every instance serves the new keys, and
// the token endpoint's p99 during the swap against before it. The load (JWT access tokens, so
// every response is signed) goes to the instance that performs the rotation, which also pays for
// generating the new keys.
import { detectPinning, FORWARDED, startLatchkeyReplica, type ServerOptions, type Target } from '../servers.ts';
import { JWT_API } from '../fixtures.ts';
import { runOnce, type Measured, type PartResult } from '../load.ts';
import { tokenRequest, type Scenario } from '../scenario.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function jwksKids(instance: Target, host: string): Promise<string[]> {
  const response = await fetch(`${instance.url}/jwks`, { headers: { ...FORWARDED, 'x-forwarded-host': host } });
  const body = (await response.json()) as { keys: { kid: string }[] };
  return body.keys.map((k) => k.kid);
}

export const rotationScenario: Scenario = {
  name: 'rotation',
  title: 'forced key rotation under load: errors, convergence of 3 instances, token p99 during the swap',
  async run({ targets, settings, progress }) {
    const primary = targets.find((t) => t.name === 'latchkey');
    if (!primary?.env) return { unit: '', rows: [], notes: ['needs the latchkey target'] };
    const host = new URL(primary.issuer).host;
    // The runner re-executes itself pinned (and says so in the environment) when pinning is on.
    const pinning = detectPinning(!process.env.LATCHKEY_BENCH_PINNED);
    progress('rotation: starting two more instances', true);
    // The replicas share the server's CPU (pinned like it when pinning is on).
    const serverOptions: ServerOptions = { pinning, fixtures: primary.fixtures, signingAlg: 'ES256', bcryptCost: settings.bcryptCost, logLevel: settings.logLevel, baselineStoreSize: 0, tag: 'rotation' };
    const replicas = await Promise.all([startLatchkeyReplica(primary, serverOptions), startLatchkeyReplica(primary, serverOptions)]);
    const instances = [primary, ...replicas];
    try {
      const part = {
        label: 'token',
        connections: settings.connections,
        requests: [tokenRequest(primary.fixtures.service, { grant_type: 'client_credentials', resource: JWT_API, scope: 'read' })],
      };
      const limits = { duration: Math.max(3, Math.min(settings.duration, 10)), amount: settings.amount };
      const before: PartResult[] = await runOnce(primary, [part], limits, progress, 'rotation (before)');

      let convergedMs: number | undefined;
      let newKid = '';
      const rotate = (async () => {
        await sleep(settings.smoke ? 50 : 1_000);
        const started = performance.now();
        const response = await fetch(`${primary.url}/admin/keys/rotate`, {
          method: 'POST',
          headers: { ...FORWARDED, authorization: `Bearer ${primary.env!.ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ now: true }),
        });
        if (response.status !== 200) throw new Error(`rotate answered ${response.status}: ${await response.text()}`);
        const body = (await response.json()) as { keys: { kid: string; alg: string; state: string }[] };
        newKid = body.keys.find((k) => k.alg === 'ES256' && k.state === 'current')!.kid;
        for (;;) {
          const seen = await Promise.all(instances.map((i) => jwksKids(i, host)));
          if (seen.every((kids) => kids.includes(newKid))) break;
          if (performance.now() - started > 60_000) throw new Error('instances did not converge within 60 s');
          await sleep(5);
        }
        convergedMs = performance.now() - started;
      })();
      const during: PartResult[] = await runOnce(primary, [part], limits, progress, 'rotation (during)');
      await rotate;

      const [b, d] = [before[0]!, during[0]!];
      const row = (r: PartResult): Measured => ({
        target: 'latchkey',
        rps: r.rps,
        rounds: [r.rps],
        p50: r.p50,
        p99: r.p99,
        errors: r.errors,
        statuses: Object.fromEntries(Object.entries(r.statuses).map(([code, n]) => [`${r.label}:${code}`, n])),
        parts: [r],
        extra: {},
      });
      return {
        unit: 'req/s',
        // Two Latchkey rows: before the rotation, then during it (see the notes).
        rows: [row(b), row(d)],
        notes: [
          `failed requests during the rotation: ${d.errors} (before: ${b.errors})`,
          `all 3 instances served the new key ${newKid} ${convergedMs?.toFixed(0)} ms after the rotate call`,
          `token endpoint p99: ${b.p99} ms before, ${d.p99} ms during the swap (p50 ${b.p50} → ${d.p50} ms; ${b.rps.toFixed(0)} → ${d.rps.toFixed(0)} req/s)`,
        ],
        data: { before: b, during: d, convergedMs, newKid },
      };
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
    }
  },
};
