// Addresses, networks and distances the rules count and measure by.
import { expect } from 'chai';
import { distanceKm, placeName } from '../../server/alerts/geo.ts';
import { addressKey, networkOf, parseAddress } from '../../server/alerts/network.ts';

describe('addresses and networks', () => {
  const net = (ip: string, bits: number) => networkOf(parseAddress(ip)!, bits);

  it('takes the leading bits of IPv4 and IPv6 addresses, in canonical form', () => {
    expect(net('203.0.113.77', 24)).to.equal('203.0.113.0/24');
    expect(net('203.0.113.77', 16)).to.equal('203.0.0.0/16');
    expect(net('203.0.113.77', 20)).to.equal('203.0.112.0/20');
    expect(net('2001:db8:abcd:12::1', 48)).to.equal('2001:db8:abcd::/48');
    expect(net('2001:DB8:ABCD:0012:0000:0000:0000:0001', 64)).to.equal('2001:db8:abcd:12::/64');
    expect(net('2001:db8::', 128)).to.equal('2001:db8::/128');
    expect(net('::1', 128)).to.equal('::1/128');
    expect(net('fe80::1%eth0', 64)).to.equal('fe80::/64');
  });

  it('reads IPv4-mapped IPv6 (a dual-stack socket) as IPv4', () => {
    expect(parseAddress('::ffff:203.0.113.7')).to.deep.equal(parseAddress('203.0.113.7'));
    expect(addressKey(parseAddress('::ffff:203.0.113.7')!)).to.equal('203.0.113.7');
    expect(parseAddress('::ffff:cb00:7107')).to.deep.equal(parseAddress('203.0.113.7'));
  });

  it('counts an IPv4 address by itself and an IPv6 address by its /64', () => {
    expect(addressKey(parseAddress('198.51.100.9')!)).to.equal('198.51.100.9');
    expect(addressKey(parseAddress('2001:db8:1:2:aaaa:bbbb:cccc:dddd')!)).to.equal('2001:db8:1:2::/64');
  });

  it('refuses what is not an address', () => {
    expect(parseAddress('example.com')).to.equal(undefined);
    expect(parseAddress('256.1.1.1')).to.equal(undefined);
  });
});

describe('distances and place names', () => {
  it('measures great-circle distances', () => {
    const berlin = { latitude: 52.52, longitude: 13.405 };
    expect(distanceKm(berlin, berlin)).to.equal(0);
    expect(distanceKm(berlin, { latitude: 48.8566, longitude: 2.3522 })).to.be.closeTo(878, 3); // Paris
    expect(distanceKm({ latitude: 51.5074, longitude: -0.1278 }, { latitude: 40.7128, longitude: -74.006 })).to.be.closeTo(5570, 15); // London–New York
    expect(distanceKm({ latitude: 0, longitude: 0 }, { latitude: 0, longitude: 180 })).to.be.closeTo(20015, 5); // half the equator
    expect(distanceKm({ latitude: 0, longitude: 179.5 }, { latitude: 0, longitude: -179.5 })).to.be.closeTo(111, 1); // across the date line
  });

  it('names places in English', () => {
    expect(placeName({ country: 'JP', city: 'Tokyo' })).to.equal('Tokyo, Japan');
    expect(placeName({ country: 'DE' })).to.equal('Germany');
  });
});
