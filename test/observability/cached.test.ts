// The scrape-time cache of the sessions estimate: one read per minute per instance at most.
import { expect } from 'chai';
import { cachedFor } from '../../server/observability/cached.ts';

describe('cachedFor', () => {
  it('reads once per period, and concurrent callers share one read', async () => {
    let clock = 0;
    let reads = 0;
    let release: (() => void) | undefined;
    const get = cachedFor(60_000, async () => {
      reads++;
      await new Promise<void>((resolve) => (release = resolve));
      return reads * 10;
    }, () => clock);
    const both = Promise.all([get(), get()]);
    release!();
    expect(await both).to.deep.equal([10, 10]);
    clock = 59_999;
    expect(await get()).to.equal(10);
    expect(reads).to.equal(1);
    clock = 60_000;
    const next = get();
    release!();
    expect(await next).to.equal(20);
    expect(reads).to.equal(2);
  });

  it('keeps no failure: the next call reads again', async () => {
    let fail = true;
    const get = cachedFor(60_000, async () => {
      if (fail) throw new Error('store away');
      return 5;
    }, () => 0);
    const error = await get().then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(Error);
    fail = false;
    expect(await get()).to.equal(5);
  });
});
