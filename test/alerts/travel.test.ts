// Where an account signs in from: a country never seen before, and travel faster than a plane.
import { expect } from 'chai';
import type { Alert } from '../../server/audit/events-alerts.ts';
import { distanceKm } from '../../server/alerts/geo.ts';
import { resolveThresholds } from '../../server/alerts/thresholds.ts';
import { DAY, HOUR, MINUTE, PLACES, T0, run, signinSucceeded } from './support/events.ts';

const of = (rule: string) => (alerts: Alert[]) => alerts.filter((a) => a.rule === rule);
const newCountry = of('new_country');
const travel = of('impossible_travel');
const ada = (at: number, place: Parameters<typeof signinSucceeded>[2]) => signinSucceeded('ada', at, place);
/** Three sign-ins at home on three days: the baseline. */
const baseline = [ada(T0, PLACES.berlin), ada(T0 + DAY, PLACES.berlin), ada(T0 + 2 * DAY, PLACES.potsdam)];

describe('alert rule: new country', () => {
  it('fires when an account with a baseline signs in from a new country, and tells the person where', () => {
    const { alerts } = run([...baseline, ada(T0 + 3 * DAY, PLACES.tokyo)]);
    expect(newCountry(alerts)).to.have.length(1);
    const [alert] = newCountry(alerts);
    expect(alert).to.include({ account: 'ada', severity: 'medium' });
    expect(alert!.summary).to.include('Tokyo, Japan').and.include('known: Germany');
    expect(alert!.personMessage).to.include('Tokyo, Japan').and.include('change your password');
    expect(alert!.evidence).to.deep.include({ country: 'JP', knownCountries: ['DE'] });
  });

  it('stays quiet for countries already seen, and learns a reported one', () => {
    const { alerts } = run([...baseline, ada(T0 + 3 * DAY, PLACES.paris), ada(T0 + 5 * DAY, PLACES.berlin), ada(T0 + 6 * DAY, PLACES.paris)]);
    expect(newCountry(alerts)).to.have.length(1);
  });

  it('only learns during the first sign-ins: the baseline is three, the fourth may alert', () => {
    const learning = [ada(T0, PLACES.berlin), ada(T0 + DAY, PLACES.paris), ada(T0 + 2 * DAY, PLACES.saoPaulo)];
    expect(newCountry(run(learning).alerts)).to.deep.equal([]);
    expect(newCountry(run([...learning, ada(T0 + 3 * DAY, PLACES.tokyo)]).alerts)).to.have.length(1);
    const strict = resolveThresholds({ newCountry: { learningSignIns: 1 } });
    expect(newCountry(run(learning.slice(0, 2), strict).alerts)).to.have.length(1);
  });

  it('ignores sign-ins with no country', () => {
    const { alerts, state } = run([...baseline, ada(T0 + 3 * DAY, undefined)]);
    expect(alerts).to.deep.equal([]);
    expect(state.accounts.ada!.countries).to.deep.equal(['DE']);
  });

  it('remembers a bounded number of countries, the least recent forgotten first', () => {
    const thresholds = resolveThresholds({ limits: { countriesPerAccount: 2 } });
    const trips = [...baseline, ada(T0 + 3 * DAY, PLACES.paris), ada(T0 + 4 * DAY, PLACES.saoPaulo), ada(T0 + 5 * DAY, PLACES.berlin)];
    const { alerts, state } = run(trips, thresholds);
    expect(state.accounts.ada!.countries).to.deep.equal(['BR', 'DE']);
    expect(newCountry(alerts).map((a) => a.evidence.country)).to.deep.equal(['FR', 'BR', 'DE']);
  });

  it('forgets an account unseen for the memory period, which then learns again', () => {
    const thresholds = resolveThresholds({ limits: { accountMemoryMs: 30 * DAY } });
    expect(newCountry(run([...baseline, ada(T0 + 31 * DAY, PLACES.tokyo)], thresholds).alerts)).to.have.length(1);
    expect(newCountry(run([...baseline, ada(T0 + 32 * DAY + 1, PLACES.tokyo)], thresholds).alerts)).to.deep.equal([]);
  });
});

describe('alert rule: impossible travel', () => {
  const berlinToTokyo = distanceKm(PLACES.berlin, PLACES.tokyo);

  it('fires on Berlin then Tokyo two hours apart, with the distance and speed, and tells the person', () => {
    const { alerts } = run([...baseline, ada(T0 + 2 * DAY + 2 * HOUR, PLACES.tokyo)]);
    expect(travel(alerts)).to.have.length(1);
    const [alert] = travel(alerts);
    expect(alert).to.include({ severity: 'high', account: 'ada' });
    expect(alert!.evidence).to.include({ from: 'Potsdam, Germany', to: 'Tokyo, Japan', minutesApart: 120 });
    expect(alert!.evidence.distanceKm).to.be.within(8900, 9000);
    expect(alert!.personMessage).to.include('Potsdam, Germany').and.include('Tokyo, Japan').and.include('2 hours apart');
  });

  it('stays quiet for the same trip by plane', () => {
    const flight = Math.ceil((berlinToTokyo / 900) * HOUR) + 2 * HOUR;
    expect(travel(run([ada(T0, PLACES.berlin), ada(T0 + flight, PLACES.tokyo)]).alerts)).to.deep.equal([]);
  });

  it('fires above the speed limit, not at it', () => {
    const km = distanceKm(PLACES.berlin, PLACES.paris);
    const thresholds = resolveThresholds({ impossibleTravel: { maxSpeedKmh: km } }); // Berlin → Paris in exactly an hour
    expect(travel(run([ada(T0, PLACES.berlin), ada(T0 + HOUR, PLACES.paris)], thresholds).alerts)).to.deep.equal([]);
    expect(travel(run([ada(T0, PLACES.berlin), ada(T0 + HOUR - 1, PLACES.paris)], thresholds).alerts)).to.have.length(1);
  });

  it('ignores distances under the minimum, and counts one at the minimum', () => {
    expect(travel(run([ada(T0, PLACES.berlin), ada(T0 + MINUTE, PLACES.potsdam)]).alerts)).to.deep.equal([]);
    const km = distanceKm(PLACES.berlin, PLACES.munich);
    const at = (minDistanceKm: number) => resolveThresholds({ impossibleTravel: { minDistanceKm } });
    const hop = [ada(T0, PLACES.berlin), ada(T0 + MINUTE, PLACES.munich)];
    expect(travel(run(hop, at(km)).alerts)).to.have.length(1);
    expect(travel(run(hop, at(km + 0.001)).alerts)).to.deep.equal([]);
  });

  it('ignores sign-ins without coordinates, and keeps the last located one', () => {
    const countryOnly = { country: 'JP' };
    const { alerts, state } = run([ada(T0, PLACES.berlin), ada(T0 + MINUTE, countryOnly), ada(T0 + 20 * HOUR, PLACES.tokyo)]);
    expect(travel(alerts)).to.deep.equal([]);
    expect(state.accounts.ada!.located).to.include({ city: 'Tokyo', at: T0 + 20 * HOUR });
  });

  it('fires on two far-apart sign-ins at the same moment', () => {
    const { alerts } = run([ada(T0, PLACES.berlin), ada(T0, PLACES.saoPaulo)]);
    expect(travel(alerts)).to.have.length(1);
    expect(travel(alerts)[0]!.evidence).to.include({ speedKmh: null, minutesApart: 0 });
  });

  it('compares an event that arrives late with the latest location, and keeps the latest', () => {
    const late = ada(T0 + HOUR, PLACES.saoPaulo);
    const { alerts, state } = run([ada(T0, PLACES.berlin), ada(T0 + 2 * HOUR, PLACES.berlin), late], undefined, undefined, () => T0 + 3 * HOUR);
    expect(travel(alerts)).to.have.length(1);
    expect(state.accounts.ada!.located).to.include({ city: 'Berlin', at: T0 + 2 * HOUR });
  });

  it('fires once per cool-down for an account hopping back and forth', () => {
    const hops = Array.from({ length: 8 }, (_, i) => ada(T0 + i * 30 * MINUTE, i % 2 ? PLACES.tokyo : PLACES.berlin));
    expect(travel(run(hops).alerts)).to.have.length(1);
    const later = [...hops, ada(T0 + 6 * HOUR + 30 * MINUTE, PLACES.berlin), ada(T0 + 7 * HOUR, PLACES.tokyo)];
    expect(travel(run(later).alerts)).to.have.length(2);
  });
});
