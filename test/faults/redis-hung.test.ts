// Redis hung (SIGSTOP: its connections stay open, nothing answers) under a running Latchkey:
// /readyz fails within a second, every endpoint answers 503 temporarily_unavailable within the
// command timeout, the log says once that Redis is gone and once that it is back, and service
// resumes as soon as it answers again (SIGCONT).
import { expect } from 'chai';
import { COMMAND_TIMEOUT_MS } from '../../server/store/redis/connect.ts';
import { waitFor } from '../support/wait.ts';
import { eventsIn, expectUnavailable, startRig, type Rig } from './rig.ts';

describe('faults: Redis hung', function () {
  this.timeout(30_000);
  let rig: Rig;
  before(async () => {
    rig = await startRig();
  });
  after(async () => {
    rig.redis.thaw!();
    await rig.stop();
  });

  it('answers 503 within the command timeout while Redis hangs, and serves again once it answers', async () => {
    expect((await rig.clientCredentials()).status).to.equal(200);
    rig.redis.freeze!();
    const frozenAt = Date.now();
    const ready = await rig.ready();
    const readyMs = Date.now() - frozenAt;
    expect(ready.status).to.equal(503);
    expect(readyMs, '/readyz within 1 s').to.be.below(1_000);

    const started = Date.now();
    const answers = await rig.everyEndpoint();
    const slowest = Date.now() - started;
    for (const answer of answers) expectUnavailable(answer);
    // The first store call of each waits the command timeout; after it, nothing is sent to the
    // hung server and every call fails at once.
    for (const answer of answers) expect(answer.ms, answer.what).to.be.below(COMMAND_TIMEOUT_MS + 500);
    const single = Date.now();
    expectUnavailable(await rig.clientCredentials());
    const tokenMs = Date.now() - single;
    expect(tokenMs, 'once Redis is known to hang, a request fails at once').to.be.below(200);

    rig.redis.thaw!();
    const thawed = Date.now();
    await waitFor(rig.clientCredentials, (answer) => answer.status === 200, { within: 1_000, every: 10, what: 'a token after Redis answered again' });
    const recoveredMs = Date.now() - thawed;
    console.log(`      readyz failed in ${readyMs} ms; a token request answered 503 in ${tokenMs} ms; every endpoint in ${slowest} ms; first token ${recoveredMs} ms after SIGCONT`);
    expect(eventsIn(rig.logs, 'store.unavailable')).to.have.length(1);
    expect(eventsIn(rig.logs, 'store.available')).to.have.length(1);
    const errors = rig.logs.filter((line) => (line.level as number) >= 50 && line.event !== 'store.unavailable');
    expect(errors, JSON.stringify(errors.slice(0, 3))).to.deep.equal([]);
  });
});
