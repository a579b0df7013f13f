// A keyset stored before PS256 and EdDSA were offered: the next start gives each a signing key
// (and a next one), keeps every key it had, and the Provider then signs ID tokens with them.
import { expect } from 'chai';
import { pino } from 'pino';
import { loadConfig } from '../../config/index.ts';
import { build, type Latchkey } from '../../server/app/build.ts';
import { SIGNING_ALGS } from '../../server/keys/keyset.ts';
import { createMemoryStore } from '../../server/store/memory/index.ts';
import { testEnv } from '../support/latchkey.ts';

describe('a keyset from before PS256 and EdDSA', () => {
  const running: Latchkey[] = [];
  afterEach(async () => {
    for (const latchkey of running.splice(0)) await latchkey.keys.stop();
  });

  it('gets a current and a next key for each new algorithm at start-up, once', async () => {
    const store = createMemoryStore();
    const config = loadConfig({ ...testEnv('http://127.0.0.1:1'), KEY_ROTATION_SCHEDULE: 'off' });
    const logger = pino({ level: 'silent' });
    const first = await build(config, logger, { store });
    running.push(first);
    const created = (await first.keystore.read())!;
    const old = { ...created, keys: created.keys.filter((k) => k.alg === 'ES256' || k.alg === 'RS256') };
    expect(await first.keystore.replace(created, old)).to.equal(true);
    await first.keys.stop();

    const second = await build(config, logger, { store });
    running.push(second);
    const upgraded = (await second.keystore.read())!;
    expect(upgraded.version).to.equal(old.version + 1);
    for (const alg of SIGNING_ALGS) {
      expect(upgraded.keys.filter((k) => k.alg === alg).map((k) => k.state).sort(), alg).to.deep.equal(['current', 'next']);
    }
    expect(upgraded.keys.filter((k) => k.alg === 'ES256' || k.alg === 'RS256')).to.deep.equal(old.keys);
    expect(second.keysetVersion()).to.equal(upgraded.version);
    await second.keys.stop();

    const third = await build(config, logger, { store });
    running.push(third);
    expect((await third.keystore.read())!.version).to.equal(upgraded.version);
  });
});
