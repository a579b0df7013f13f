// Lookups in the real databases shipped by the @ip-location-db packages (no fixtures): public
// addresses whose owner and country are stable facts, IPv6, and private ranges.
import { expect } from 'chai';
import type { Reader, Response } from 'maxmind';
import { buildAsnTable } from '../../server/geo/asn-table.ts';
import { countryName, geoLookup, openGeo, type GeoLookup } from '../../server/geo/lookup.ts';

describe('geo lookup (real databases)', function () {
  this.timeout(30_000);
  let geo: GeoLookup;
  before(async () => {
    geo = await openGeo();
  });

  it("resolves Google's public DNS resolver to the United States and Google's ASN", () => {
    const info = geo.lookup('8.8.8.8')!;
    expect(info).to.include({ country: 'US', countryName: 'United States', asn: 15169, network: '8.8.8.0/24' });
    expect(info.asOrg).to.match(/google/i);
    expect(info.latitude).to.be.a('number');
    expect(info.longitude).to.be.a('number');
  });

  it('resolves a RIPE NCC address to the Netherlands, with a city and coordinates near Amsterdam', () => {
    const info = geo.lookup('193.0.6.139')!;
    expect(info).to.include({ country: 'NL', asn: 3333 });
    expect(info.city).to.match(/Amsterdam/);
    expect(info.latitude).to.be.closeTo(52.37, 0.5);
    expect(info.longitude).to.be.closeTo(4.89, 0.5);
  });

  it('resolves IPv6: Deutsche Telekom in Germany, RIPE NCC in the Netherlands', () => {
    const telekom = geo.lookup('2003:e2:1f00::1')!;
    expect(telekom).to.include({ country: 'DE', countryName: 'Germany', asn: 3320, network: '2003:e2:1f00::/48' });
    const ripe = geo.lookup('2001:67c:2e8:22::c100:68b')!;
    expect(ripe).to.include({ country: 'NL', asn: 3333, network: '2001:67c:2e8::/48' });
  });

  it('resolves an IPv4-mapped IPv6 address as IPv4', () => {
    expect(geo.lookup('::ffff:8.8.4.4')).to.include({ country: 'US', asn: 15169, network: '8.8.4.0/24' });
  });

  it('answers "private network" for loopback, RFC 1918, CGNAT and unique-local addresses', () => {
    for (const ip of ['127.0.0.1', '::1', '10.20.30.40', '192.168.0.10', '100.64.1.1', 'fd00::5']) {
      const info = geo.lookup(ip)!;
      expect(info, ip).to.include({ country: 'ZZ', countryName: 'Private network', private: true });
      expect(info.asn, ip).to.equal(undefined);
      expect(info.latitude, ip).to.equal(undefined);
    }
    expect(geo.lookup('192.168.7.9')!.network).to.equal('192.168.7.0/24');
  });

  it('answers undefined for text that is not an address', () => {
    expect(geo.lookup('not-an-ip')).to.equal(undefined);
  });

  it('looks up in microseconds once open', () => {
    const ips = Array.from({ length: 20_000 }, (_, i) => `${1 + (i % 200)}.${(i * 7) % 256}.${(i * 13) % 256}.${i % 256}`);
    const started = performance.now();
    for (const ip of ips) geo.lookup(ip);
    const perLookupMs = (performance.now() - started) / ips.length;
    // A guard, not a benchmark: measured at ~7 µs on the development machine.
    expect(perLookupMs).to.be.below(1);
  });
});

describe('geo lookup without the databases', () => {
  it('answers a private address without asking either database', () => {
    let asked = 0;
    const reader = { get: () => (asked++, null) } as unknown as Reader<Response>;
    const geo = geoLookup(reader, reader, buildAsnTable('', ''));
    expect(geo.lookup('10.0.0.1')).to.include({ private: true });
    expect(geo.lookup('fe80::1')).to.include({ private: true });
    expect(asked).to.equal(0);
    geo.lookup('8.8.8.8');
    expect(asked).to.equal(1);
  });

  it('names countries from ICU data, and nothing for unknown codes', () => {
    expect(countryName('BR')).to.equal('Brazil');
    expect(countryName('ZZ')).to.equal(undefined);
    expect(countryName('br')).to.equal(undefined);
  });
});

describe('ASN table', () => {
  const v4 = ['16777216,16777471,13335,"Cloudflare, Inc."', '16778240,16779263,38803,"Say ""hi"" Ltd"', '16779264,16781311,0,'].join('\n');
  const v6 = '42540488161975842760550356425300246528,42540488241204005274814694018844196863,6939,Hurricane Electric LLC\n';
  const table = buildAsnTable(v4, v6);
  const at = (text: string) => {
    const geo = geoLookup({ get: () => null } as unknown as Reader<Response>, { get: () => null } as unknown as Reader<Response>, table);
    const info = geo.lookup(text)!;
    return info.asn === undefined ? undefined : { asn: info.asn, org: info.asOrg };
  };

  it('finds the range holding an address, with quoted organisation names', () => {
    expect(at('1.0.0.0')).to.deep.equal({ asn: 13335, org: 'Cloudflare, Inc.' });
    expect(at('1.0.0.255')).to.deep.equal({ asn: 13335, org: 'Cloudflare, Inc.' });
    expect(at('1.0.4.1')).to.deep.equal({ asn: 38803, org: 'Say "hi" Ltd' });
    expect(at('2001::1')).to.deep.equal({ asn: 6939, org: 'Hurricane Electric LLC' });
  });

  it('finds nothing in gaps, below the first range, in ranges without an AS, or past the last', () => {
    expect(at('1.0.1.0')).to.equal(undefined);
    expect(at('0.255.255.255')).to.equal(undefined);
    expect(at('1.0.8.1')).to.equal(undefined);
    expect(at('9.9.9.9')).to.equal(undefined);
    expect(at('2001:1::1')).to.equal(undefined);
  });

  it('refuses unsorted ranges', () => {
    expect(() => buildAsnTable('100,200,1,a\n50,60,2,b', '')).to.throw(/not sorted/);
  });
});
