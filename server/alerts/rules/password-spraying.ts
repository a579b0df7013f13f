// Password spraying: one network failing at many different logins, a few tries each, which keeps
// every single login under the per-account threshold. Counted per network (a /24 or /48), since
// a sprayer spreads over the addresses it holds. Per network, the newest `distinctAccounts`
// logins are kept with their latest failure: all it takes to know whether that many fell within
// the window.
import { networkOf, parseAddress } from '../network.ts';
import { defineRule } from '../rule.ts';
import { duration } from '../words.ts';

export const passwordSpraying = defineRule({
  rule: 'password_spraying',
  severity: 'high',
  description:
    'Failed sign-ins at many different logins from one network within a window: someone trying common passwords across many accounts.',
  thresholdsInWords: ({ passwordSpraying: t }) =>
    `${t.distinctAccounts} distinct logins failing from one /${t.ipv4PrefixBits} (IPv4) or /${t.ipv6PrefixBits} (IPv6) within ${duration(t.windowMs)}; again after ${duration(t.cooldownMs)}`,
  cooldownMs: (t) => t.passwordSpraying.cooldownMs,
  on: ['signin.failed'],
  evaluate(event, { memory, thresholds }) {
    const address = event.ip ? parseAddress(event.ip) : undefined;
    if (!address) return [];
    const { distinctAccounts, windowMs, ipv4PrefixBits, ipv6PrefixBits } = thresholds.passwordSpraying;
    const network = networkOf(address, address.version === 4 ? ipv4PrefixBits : ipv6PrefixBits);
    const login = event.account ?? `login:${event.loginHash}`;
    const entry = memory.get('networks', network);
    const accounts = Object.entries({ ...entry?.accounts, [login]: Math.max(entry?.accounts[login] ?? 0, event.at) })
      .filter(([, at]) => at > event.at - windowMs)
      .sort(([, a], [, b]) => a - b)
      .slice(-distinctAccounts);
    memory.set('networks', network, { last: Math.max(entry?.last ?? 0, event.at), accounts: Object.fromEntries(accounts) });
    if (accounts.length < distinctAccounts) return [];
    const known = accounts.filter(([key]) => !key.startsWith('login:')).length;
    return [
      {
        subject: `net:${network}`,
        ip: event.ip,
        network,
        summary: `${distinctAccounts} or more different logins failed to sign in from ${network} within ${duration(windowMs)} (threshold ${distinctAccounts}): likely password spraying. ${known} of them are existing accounts.`,
        evidence: { distinctLogins: distinctAccounts, existingAccounts: known, windowMs, firstAt: accounts[0]![1], network },
      },
    ];
  },
});
