// Great-circle distance and what counts as impossible travel.
import { expect } from 'chai';
import { DEFAULT_OPTIONS } from '../../server/risk/options.ts';
import { distanceKm, travelSince } from '../../server/risk/travel.ts';
import type { LastPlace } from '../../server/risk/types.ts';
import { home, HOUR, SAO_PAULO, T0 } from './support.ts';

const berlin: LastPlace = { t: T0, cc: 'DE', net: '203.0.113.0/24', lat: 52.52, lon: 13.405, city: 'Berlin' };

describe('risk travel', () => {
  it('measures great-circle distances', () => {
    expect(distanceKm(52.52, 13.405, 48.857, 2.352)).to.be.closeTo(878, 5); // Berlin–Paris
    expect(distanceKm(51.507, -0.128, 40.713, -74.006)).to.be.closeTo(5570, 20); // London–New York
    expect(distanceKm(10, 10, 10, 10)).to.equal(0);
  });

  it('calls São Paulo two hours after Berlin impossible, and a week after plausible', () => {
    const fast = travelSince(berlin, home(T0 + 2 * HOUR, { geo: SAO_PAULO }), DEFAULT_OPTIONS.travel);
    expect(fast.travel).to.equal('impossible');
    expect(fast.kmh).to.be.closeTo(5100, 100);
    expect(travelSince(berlin, home(T0 + 168 * HOUR, { geo: SAO_PAULO }), DEFAULT_OPTIONS.travel).travel).to.equal('plausible');
  });

  it('does not call geolocation noise travel: under 100 km, or under 500 km however fast', () => {
    const potsdam = { ...SAO_PAULO, latitude: 52.39, longitude: 13.06 };
    expect(travelSince(berlin, home(T0 + 60_000, { geo: potsdam }), DEFAULT_OPTIONS.travel).travel).to.equal('none');
    const hamburg = { ...SAO_PAULO, latitude: 53.55, longitude: 9.99 };
    expect(travelSince(berlin, home(T0 + 10 * 60_000, { geo: hamburg }), DEFAULT_OPTIONS.travel).travel).to.equal('plausible');
  });

  it('has nothing to measure without coordinates at both ends', () => {
    const { latitude: _a, longitude: _b, ...noCoordinates } = SAO_PAULO;
    expect(travelSince(berlin, home(T0 + HOUR, { geo: noCoordinates }), DEFAULT_OPTIONS.travel).travel).to.equal('none');
    expect(travelSince(undefined, home(T0 + HOUR), DEFAULT_OPTIONS.travel).travel).to.equal('none');
  });
});
