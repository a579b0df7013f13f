// One GeoIP lookup per process: the databases take about a second and ~200 MB to open, and a
// process (the server, a test run) needs them once however many Latchkeys it builds.
import { openGeo, type GeoLookup } from './lookup.ts';

let shared: Promise<GeoLookup> | undefined;

export function sharedGeo(): Promise<GeoLookup> {
  shared ??= openGeo().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}
