// The throttling decisions and the address grouping, with data: no store, no server, no clock.
import { expect } from 'chai';
import { clientOf, networkOf } from '../../server/security/addresses.ts';
import { createPseudonyms } from '../../server/security/pseudonyms.ts';
import { countersOf, SIGN_IN_RULES } from '../../server/security/sign-in-throttle.ts';
import {
  budgetDecision,
  cooldownSeconds,
  gateDecision,
  inWords,
  pollDecision,
  pollInterval,
  retryAfterSeconds,
  strictest,
  type Decision,
} from '../../server/security/decisions.ts';

describe('throttling decisions', () => {
  const rule = { free: 3, windowSeconds: 3600, firstCooldown: 1, maxCooldown: 60 };

  it('grows the cooldown by doubling after the free failures, up to its ceiling', () => {
    const cooldowns = Array.from({ length: 12 }, (_, prior) => cooldownSeconds(prior, rule));
    expect(cooldowns).to.deep.equal([0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]);
    expect(cooldownSeconds(1_000_000, rule)).to.equal(60);
    expect(cooldownSeconds(5, { ...rule, free: 0, firstCooldown: 3 })).to.equal(60);
    expect(cooldownSeconds(1, { ...rule, free: 0, firstCooldown: 3 })).to.equal(6);
  });

  it('serves a short wait inline, refuses a long one, and refuses when too many already wait', () => {
    const inline = { maxDelayMs: 1_000, waiting: 0, maxWaiting: 10 };
    expect(gateDecision({ acquired: true, msBeforeNext: 5_000 }, 'ip', inline)).to.deep.equal({ kind: 'allow' });
    expect(gateDecision({ acquired: false, msBeforeNext: 400 }, 'ip', inline)).to.deep.equal({ kind: 'delay', ms: 400, reason: 'ip' });
    expect(gateDecision({ acquired: false, msBeforeNext: 1_000 }, 'ip', inline)).to.deep.equal({ kind: 'delay', ms: 1_000, reason: 'ip' });
    expect(gateDecision({ acquired: false, msBeforeNext: 1_001 }, 'ip', inline)).to.deep.equal({ kind: 'refuse', retryAfter: 2, reason: 'ip' });
    expect(gateDecision({ acquired: false, msBeforeNext: 29_500 }, 'account', inline)).to.deep.equal({ kind: 'refuse', retryAfter: 30, reason: 'account' });
    expect(gateDecision({ acquired: false, msBeforeNext: 400 }, 'ip', { ...inline, waiting: 10 })).to.deep.equal({ kind: 'refuse', retryAfter: 1, reason: 'ip' });
  });

  it('keeps a plain budget until the limit, then refuses until the window ends', () => {
    const budget = { limit: 10, windowSeconds: 600 };
    expect(budgetDecision(undefined, budget, 'client')).to.deep.equal({ kind: 'allow' });
    expect(budgetDecision({ consumed: 9, msBeforeNext: 300_000 }, budget, 'client')).to.deep.equal({ kind: 'allow' });
    expect(budgetDecision({ consumed: 10, msBeforeNext: 299_001 }, budget, 'client')).to.deep.equal({ kind: 'refuse', retryAfter: 300, reason: 'client' });
    expect(budgetDecision({ consumed: 10, msBeforeNext: 0 }, budget, 'client')).to.deep.equal({ kind: 'refuse', retryAfter: 1, reason: 'client' });
  });

  it('picks the strictest of several decisions', () => {
    const allow: Decision = { kind: 'allow' };
    const delay = (ms: number): Decision => ({ kind: 'delay', ms, reason: `d${ms}` });
    const refuse = (s: number): Decision => ({ kind: 'refuse', retryAfter: s, reason: `r${s}` });
    expect(strictest([])).to.deep.equal(allow);
    expect(strictest([allow, delay(200), delay(500), allow])).to.deep.equal(delay(500));
    expect(strictest([delay(900), refuse(5), refuse(60), refuse(2)])).to.deep.equal(refuse(60));
  });

  it('never tells a client to retry after 0 seconds', () => {
    expect([0, 1, 999, 1000, 1001, 59_999].map(retryAfterSeconds)).to.deep.equal([1, 1, 1, 1, 2, 60]);
  });

  it('says how long to wait in words', () => {
    expect([1, 2, 30, 59, 60, 61, 300].map(inWords)).to.deep.equal(['1 second', '2 seconds', '30 seconds', '59 seconds', '1 minute', '2 minutes', '5 minutes']);
  });

  describe('device polling (RFC 8628 §3.5)', () => {
    const polling = { intervalSeconds: 5, maxSlowDowns: 3 };

    it('allows one poll per interval, and slows a faster one down by 5 more seconds each time', () => {
      expect(pollDecision({ polls: 1, slowDowns: 0 }, polling)).to.deep.equal({ kind: 'allow' });
      expect(pollDecision({ polls: 2, slowDowns: 0 }, polling)).to.deep.equal({ kind: 'slow_down', intervalSeconds: 10 });
      expect(pollDecision({ polls: 1, slowDowns: 2 }, polling)).to.deep.equal({ kind: 'allow' });
      expect(pollDecision({ polls: 7, slowDowns: 2 }, polling)).to.deep.equal({ kind: 'slow_down', intervalSeconds: 20 });
      expect([0, 1, 2, 3].map((s) => pollInterval(s, polling))).to.deep.equal([5, 10, 15, 20]);
    });

    it('cuts off a device that keeps polling too fast after being told', () => {
      expect(pollDecision({ polls: 2, slowDowns: 3 }, polling)).to.deep.equal({ kind: 'deny' });
      // Once cut off, even a well-timed poll is refused.
      expect(pollDecision({ polls: 1, slowDowns: 4 }, polling)).to.deep.equal({ kind: 'deny' });
    });
  });
});

describe('client addresses', () => {
  it('counts an IPv4 address as itself, an IPv6 address by its /64', () => {
    expect(clientOf('192.0.2.7')).to.equal('192.0.2.7');
    expect(clientOf('::ffff:192.0.2.7')).to.equal('192.0.2.7');
    expect(clientOf('2001:db8:1:2:aaaa::1')).to.equal('2001:db8:1:2::/64');
    expect(clientOf('2001:db8:1:2:ffff:ffff:ffff:ffff')).to.equal('2001:db8:1:2::/64');
    expect(clientOf('2001:0db8:0001:0002::')).to.equal('2001:db8:1:2::/64');
    expect(clientOf('::1')).to.equal('0:0:0:0::/64');
    expect(clientOf('fe80::1%eth0')).to.equal('fe80:0:0:0::/64');
    expect(clientOf('not an address')).to.equal('not an address');
  });

  it('groups networks: IPv4 /24, IPv6 /48', () => {
    expect(networkOf('192.0.2.7')).to.equal('192.0.2.0/24');
    expect(networkOf('::ffff:198.51.100.200')).to.equal('198.51.100.0/24');
    expect(networkOf('2001:db8:1:2::1')).to.equal('2001:db8:1::/48');
    expect(networkOf('2001:db8:1:ffff::1')).to.equal('2001:db8:1::/48');
    expect(networkOf('2001:db8::')).to.equal('2001:db8:0::/48');
  });
});

describe('which counters judge a sign-in attempt', () => {
  const pseudonym = createPseudonyms(['a cookie secret of at least thirty-two characters']);

  it('judges a browser that knows the account by its own budget alone', () => {
    const counted = countersOf({ email: 'ada@example.test', ip: '192.0.2.1', knownDevice: 'device-1' }, pseudonym);
    expect(counted.map((c) => [c.dimension, c.resetOnSuccess])).to.deep.equal([['device', true]]);
    expect(counted[0]!.key).to.equal(pseudonym('signin-device', 'device-1', 'ada@example.test'));
  });

  it('judges anyone else by address, network, account from that address and account, attacker-specific first', () => {
    const counted = countersOf({ email: 'ada@example.test', ip: '2001:db8:1:2::7' }, pseudonym);
    expect(counted.map((c) => [c.dimension, c.resetOnSuccess])).to.deep.equal([
      ['ip', false],
      ['network', false],
      ['account-ip', true],
      ['account', false],
    ]);
    // Another address of the same /64 is the same client; of the same /48, the same network.
    const sameClient = countersOf({ email: 'ada@example.test', ip: '2001:db8:1:2::8' }, pseudonym);
    const sameNetwork = countersOf({ email: 'bob@example.test', ip: '2001:db8:1:3::7' }, pseudonym);
    expect(sameClient.map((c) => c.key)).to.deep.equal(counted.map((c) => c.key));
    expect(sameNetwork.map((c) => c.key === counted.find((k) => k.dimension === c.dimension)!.key)).to.deep.equal([false, true, false, false]);
    // No key holds the email or the address in the clear.
    for (const { key } of counted) expect(key).to.match(/^[\w-]{22}$/);
  });

  it('keeps every cooldown within its ceiling and its window', () => {
    for (const [dimension, rule] of Object.entries(SIGN_IN_RULES)) {
      expect(rule.maxCooldown, dimension).to.be.below(rule.windowSeconds);
      expect(cooldownSeconds(rule.free - 1, rule), dimension).to.equal(0);
      expect(cooldownSeconds(rule.free, rule), dimension).to.equal(rule.firstCooldown);
    }
  });
});
