// Missed scheduled rotations (every instance down at the scheduled time) are caught up once,
// by the first instance to start; the next instance to start finds nothing due.
import { expect } from 'chai';
import { pino } from 'pino';
import { loadConfig } from '../../config/index.ts';
import { build, type Latchkey } from '../../server/app/build.ts';
import { createMemoryStore } from '../../server/store/memory/index.ts';
import { testEnv } from '../support/latchkey.ts';

describe('scheduled key rotation catch-up', () => {
  const running: Latchkey[] = [];
  afterEach(async () => {
    for (const latchkey of running.splice(0)) await latchkey.keys.stop();
  });

  it('rotates once at start-up for a slot missed while down, then not again', async () => {
    const store = createMemoryStore();
    const env = testEnv('http://127.0.0.1:1');
    const logger = pino({ level: 'silent' });
    const first = await build(loadConfig({ ...env, KEY_ROTATION_SCHEDULE: 'off' }), logger, { store });
    running.push(first);
    const created = (await first.keystore.read())!;
    // As if the keyset had last rotated long before the latest Monday 03:00 UTC slot.
    expect(await first.keystore.replace(created, { ...created, lastRotationAt: Date.UTC(2020, 0, 1) })).to.equal(true);
    await first.keys.stop();

    const weekly = loadConfig({ ...env, KEY_ROTATION_SCHEDULE: '0 3 * * 1' });
    const second = await build(weekly, logger, { store });
    running.push(second);
    const caughtUp = (await second.keystore.read())!;
    expect(caughtUp.version).to.equal(created.version + 1);
    expect(caughtUp.lastRotationAt).to.be.greaterThan(Date.now() - 8 * 24 * 3600 * 1000);
    expect(new Date(caughtUp.lastRotationAt!).getUTCDay()).to.equal(1);
    expect(second.keysetVersion()).to.equal(caughtUp.version);
    await second.keys.stop();

    const third = await build(weekly, logger, { store });
    running.push(third);
    expect((await third.keystore.read())!.version).to.equal(caughtUp.version);
  });
});
