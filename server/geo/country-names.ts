// Country names from the runtime's own ICU data: no database, no I/O (the risk model's reasons
// use it without loading the geo databases).
const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const names = new Map<string, string | undefined>();

/** English name of an ISO 3166-1 alpha-2 code, from the runtime's ICU data (no database needed). */
export function countryName(code: string): string | undefined {
  if (names.has(code)) return names.get(code);
  let name: string | undefined;
  if (/^[A-Z]{2}$/.test(code) && code !== 'ZZ') {
    try {
      name = regionNames.of(code);
    } catch {
      name = undefined;
    }
  }
  // At most 26² codes: the cache stays small.
  names.set(code, name && name !== code ? name : undefined);
  return names.get(code);
}
