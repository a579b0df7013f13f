// Redis stopped under a running Latchkey, then started again on the same port: every endpoint
// answers 503 temporarily_unavailable with Retry-After (pages a friendly page) instead of a 500,
// /readyz fails within a second, nothing waits in a queue, the log says once that Redis is gone
// and once that it is back, and service resumes within a second of Redis returning.
import { expect } from 'chai';
import { waitFor } from '../support/wait.ts';
import { eventsIn, expectUnavailable, RIG_METRICS_TOKEN, startRig, type Rig } from './rig.ts';

describe('faults: Redis down', function () {
  this.timeout(30_000);
  let rig: Rig;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    rig = await startRig();
  });
  after(async () => {
    process.removeListener('unhandledRejection', onUnhandled);
    await rig.stop();
  });

  it('answers 503 everywhere while Redis is stopped, and serves again within 1 s of its return', async () => {
    expect((await rig.clientCredentials()).status).to.equal(200);
    expect((await rig.ready()).status).to.equal(200);

    await rig.redis.halt!();
    const stoppedAt = Date.now();
    await waitFor(rig.ready, (answer) => answer.status === 503, { within: 1_000, what: '/readyz failing' });
    const readyFailedAfter = Date.now() - stoppedAt;

    for (const answer of await rig.everyEndpoint()) expectUnavailable(answer);
    // Discovery and the JWKS come from memory: they keep answering.
    for (const path of ['/.well-known/openid-configuration', '/jwks']) {
      expect((await fetch(new URL(path, rig.running.url))).status, path).to.equal(200);
    }

    // Nothing queues: a burst is refused at once rather than held until Redis returns.
    const burstStarted = Date.now();
    const burst = await Promise.all(Array.from({ length: 100 }, rig.clientCredentials));
    const burstMs = Date.now() - burstStarted;
    expect(burst.map((answer) => answer.status)).to.deep.equal(Array(100).fill(503));
    expect(burstMs, 'a burst of 100 refused within 2 s').to.be.below(2_000);

    // A few seconds of outage under steady requests: long enough for a reconnect back-off to
    // grow (ioredis 6 defaults to 3.2 s between tries by then), and every one of them a prompt 503.
    const during: number[] = [];
    while (Date.now() - stoppedAt < 4_500) during.push((await rig.clientCredentials()).status);
    expect(new Set(during)).to.deep.equal(new Set([503]));

    await rig.redis.restart!();
    const back = Date.now();
    await waitFor(rig.clientCredentials, (answer) => answer.status === 200, { within: 1_000, every: 10, what: 'a token after Redis returned' });
    const recoveredMs = Date.now() - back;
    await waitFor(rig.ready, (answer) => answer.status === 200, { within: 1_000, what: '/readyz ready again' });
    console.log(`      readyz failed ${readyFailedAfter} ms after the stop; first token ${recoveredMs} ms after Redis was back; 100 refusals in ${burstMs} ms; ${during.length} requests during the outage, all 503`);

    // Once each way in the log, and no per-request errors.
    expect(eventsIn(rig.logs, 'store.unavailable')).to.have.length(1);
    expect(eventsIn(rig.logs, 'store.available')).to.have.length(1);
    const errors = rig.logs.filter((line) => (line.level as number) >= 50 && line.event !== 'store.unavailable');
    expect(errors, JSON.stringify(errors.slice(0, 3))).to.deep.equal([]);
    const warnings = rig.logs.filter((line) => line.level === 40);
    expect(warnings.length, JSON.stringify(warnings.slice(0, 3))).to.be.below(3);
    expect(unhandled).to.deep.equal([]);

    // The outage is counted for Prometheus too (the connection errors and the outage itself).
    const exposition = await (await fetch(new URL('/metrics', rig.running.url), { headers: { authorization: `Bearer ${RIG_METRICS_TOKEN}` } })).text();
    const counted = Number(/^latchkey_store_errors_total (\d+)/m.exec(exposition)?.[1]);
    expect(counted, exposition.slice(0, 200)).to.be.at.least(1);
  });
});
