// The live Provider: a listener registered once hears every Provider ever built, so event
// listeners (the audit trail's, say) survive key rotations.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import type Provider from 'oidc-provider';
import { createLiveProvider } from '../../server/provider/current.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, discover } from '../support/oidc.ts';

describe('the live Provider', () => {
  it('hands a listener the current Provider and every later one, before it becomes current', () => {
    const live = createLiveProvider();
    const seen: unknown[] = [];
    const currentWhenSeen: unknown[] = [];
    const [first, second] = [{ n: 1 }, { n: 2 }] as unknown as Provider[];
    live.install(first!);
    live.onBuild((p) => {
      seen.push(p);
      currentWhenSeen.push(live.current());
    });
    live.install(second!);
    expect(seen).to.deep.equal([first, second]);
    expect(currentWhenSeen).to.deep.equal([first, first]);
    expect(live.current()).to.equal(second);
  });

  it('stops calling a listener that unsubscribed', () => {
    const live = createLiveProvider();
    let calls = 0;
    const stop = live.onBuild(() => calls++);
    live.install({} as Provider);
    stop();
    live.install({} as Provider);
    expect(calls).to.equal(1);
  });

  describe('in a running Latchkey', () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey();
    });
    after(() => running.stop());

    it('keeps an event listener attached once listening after a key rotation', async () => {
      const issuedTo: string[] = [];
      running.latchkey.onBuild((provider) => provider.on('client_credentials.saved', (token) => issuedTo.push(String(token.clientId))));
      const before = running.latchkey.provider();
      await running.latchkey.keys.rotate({ now: true });
      expect(running.latchkey.provider(), 'a new Provider after the rotation').to.not.equal(before);

      const { clientId, secret } = await addClient(running, { redirect_uris: [], response_types: [], grant_types: ['client_credentials'] });
      await oidc.clientCredentialsGrant(await discover(running, clientId, secret));
      expect(issuedTo).to.deep.equal([clientId]);
    });
  });
});
