// A sign-in from a country this account has never signed in from. Its first `learningSignIns`
// sign-ins only build the baseline (a new account, or one forgotten after a long absence, has
// no "usual" yet), and a reported country joins the baseline: it alerts once, not every time.
import { countryName, placeName } from '../geo.ts';
import { defineRule } from '../rule.ts';
import { duration } from '../words.ts';
import { accountEntry, putAccount } from './accounts.ts';

export const newCountry = defineRule({
  rule: 'new_country',
  severity: 'medium',
  description: 'A successful sign-in from a country the account has not signed in from before.',
  thresholdsInWords: ({ newCountry: t, limits }) =>
    `after the account’s first ${t.learningSignIns} sign-ins; the last ${limits.countriesPerAccount} countries are remembered; again for the same country after ${duration(t.cooldownMs)}`,
  cooldownMs: (t) => t.newCountry.cooldownMs,
  on: ['signin.succeeded'],
  evaluate(event, { memory, thresholds }) {
    const country = event.place?.country;
    if (!country) return [];
    const entry = accountEntry(memory, event.account, event.at, thresholds.limits);
    const known = entry.countries.includes(country);
    const learning = entry.signIns < thresholds.newCountry.learningSignIns;
    putAccount(
      memory,
      event.account,
      {
        ...entry,
        signIns: Math.min(entry.signIns + 1, thresholds.newCountry.learningSignIns),
        countries: [...entry.countries.filter((c) => c !== country), country].slice(-thresholds.limits.countriesPerAccount),
      },
      event.at,
    );
    if (known || learning) return [];
    const where = placeName(event.place!);
    const usual = entry.countries.map(countryName).join(', ');
    return [
      {
        subject: `${event.account}|${country}`,
        account: event.account,
        ip: event.ip,
        summary: `Account ${event.account} signed in from ${where}, a country it has not signed in from before (known: ${usual}).`,
        personMessage: `Your account was just signed in to from ${where}, where it has not been used before. If this was you, there is nothing to do. If it was not, change your password now.`,
        evidence: { country, city: event.place!.city ?? null, knownCountries: entry.countries.slice(-16), client: event.client },
      },
    ];
  },
});
