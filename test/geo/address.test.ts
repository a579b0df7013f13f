// Address parsing, the /24 and /48 a sign-in is grouped by, and the private ranges.
import { expect } from 'chai';
import { isPrivate, networkOf, parseAddress, type Address } from '../../server/geo/address.ts';

const parse = (text: string): Address => {
  const address = parseAddress(text);
  if (!address) throw new Error(`not parsed: ${text}`);
  return address;
};

describe('IP addresses', () => {
  it('parses IPv4 into a 32-bit number and groups it by /24', () => {
    const a = parse('203.0.113.77');
    expect(a).to.include({ version: 4, value: 0xcb00714d, text: '203.0.113.77' });
    expect(networkOf(a)).to.equal('203.0.113.0/24');
  });

  it('parses IPv6 in any spelling into canonical text and groups it by /48', () => {
    const a = parse('2001:0DB8:0000:0000:0001:0000:0000:0042');
    expect(a.text).to.equal('2001:db8::1:0:0:42');
    expect(networkOf(a)).to.equal('2001:db8::/48');
    expect(networkOf(parse('2a00:1450:4001:82a::200e'))).to.equal('2a00:1450:4001::/48');
    expect(a.version === 6 && a.hi).to.equal(0x20010db800000000n);
    expect(a.version === 6 && a.lo).to.equal(0x0001000000000042n);
  });

  it('treats an IPv4-mapped IPv6 address (dual-stack sockets) as the IPv4 address', () => {
    const a = parse('::ffff:198.51.100.7');
    expect(a).to.include({ version: 4, text: '198.51.100.7' });
    expect(networkOf(parse('::ffff:c633:6407'))).to.equal('198.51.100.0/24');
  });

  it('rejects what is not an address', () => {
    for (const bad of ['', 'localhost', '1.2.3', '256.1.1.1', 'fe80::1%eth0', '2001:db8::g', '1.2.3.4/24']) {
      expect(parseAddress(bad), bad).to.equal(undefined);
    }
  });

  it('knows the private and special ranges, and nothing else', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '169.254.1.1', '0.0.0.0', '::1', '::', 'fd12:3456::1', 'fe80::1']) {
      expect(isPrivate(parse(ip)), ip).to.equal(true);
    }
    for (const ip of ['8.8.8.8', '172.32.0.1', '172.15.255.255', '100.128.0.1', '192.169.0.1', '2001:db8::1', '2a00:1450::1', 'fec0::1']) {
      expect(isPrivate(parse(ip)), ip).to.equal(false);
    }
  });
});
