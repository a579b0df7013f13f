// Bursts of failed sign-ins, per login and per address, over a sliding window. Each list keeps
// only the newest `count` failure times: enough to tell whether `count` fell within the window.
import { addressKey, parseAddress } from '../network.ts';
import { defineRule } from '../rule.ts';
import { recent } from '../state.ts';
import { duration } from '../words.ts';
import { accountEntry, putAccount } from './accounts.ts';

export const failedSignInsPerAccount = defineRule({
  rule: 'failed_signins_per_account',
  severity: 'medium',
  description:
    'Many failed sign-ins at one login (an account, or an email that has none) within a sliding window: someone guessing a password, or a person who forgot theirs.',
  thresholdsInWords: ({ failedSignInsPerAccount: t }) =>
    `${t.count} failures within ${duration(t.windowMs)}; again after ${duration(t.cooldownMs)}`,
  cooldownMs: (t) => t.failedSignInsPerAccount.cooldownMs,
  on: ['signin.failed'],
  evaluate(event, { memory, thresholds }) {
    const { count, windowMs } = thresholds.failedSignInsPerAccount;
    const since = event.at - windowMs;
    let failures: number[];
    if (event.account) {
      const entry = accountEntry(memory, event.account, event.at, thresholds.limits);
      failures = recent([...entry.failures, event.at], since, count);
      putAccount(memory, event.account, { ...entry, failures }, event.at);
    } else {
      const entry = memory.get('logins', event.loginHash);
      failures = recent([...(entry?.failures ?? []), event.at], since, count);
      memory.set('logins', event.loginHash, { last: Math.max(entry?.last ?? 0, event.at), failures });
    }
    if (failures.length < count) return [];
    const window = duration(windowMs);
    const who = event.account ? `account ${event.account}` : `login ${event.loginHash} (no such account)`;
    return [
      {
        subject: event.account ?? `login:${event.loginHash}`,
        account: event.account,
        ip: event.ip,
        summary: `${count} or more failed sign-ins for ${who} within ${window} (threshold ${count}); latest reason: ${event.reason}.`,
        personMessage: event.account
          ? `Someone tried to sign in to your account ${count} times in ${window} with the wrong password${event.via === 'passkey' ? ' or a passkey that was not accepted' : ''}. Nobody got in this way. If it was not you, choose a new password, and change it anywhere else you use the same one.`
          : undefined,
        evidence: { failures: count, windowMs, firstAt: failures[0]!, lastReason: event.reason, loginHash: event.loginHash },
      },
    ];
  },
});

export const failedSignInsPerIp = defineRule({
  rule: 'failed_signins_per_ip',
  severity: 'medium',
  description:
    'Many failed sign-ins from one address within a sliding window, whatever logins they name. An IPv6 address counts by its /64, which one machine can roam freely.',
  thresholdsInWords: ({ failedSignInsPerIp: t }) => `${t.count} failures within ${duration(t.windowMs)}; again after ${duration(t.cooldownMs)}`,
  cooldownMs: (t) => t.failedSignInsPerIp.cooldownMs,
  on: ['signin.failed'],
  evaluate(event, { memory, thresholds }) {
    const address = event.ip ? parseAddress(event.ip) : undefined;
    if (!address) return [];
    const { count, windowMs } = thresholds.failedSignInsPerIp;
    const key = addressKey(address);
    const entry = memory.get('ips', key);
    const failures = recent([...(entry?.failures ?? []), event.at], event.at - windowMs, count);
    memory.set('ips', key, { last: Math.max(entry?.last ?? 0, event.at), failures });
    if (failures.length < count) return [];
    const from = key === event.ip ? event.ip : `${event.ip} (counted as ${key})`;
    return [
      {
        subject: `ip:${key}`,
        ip: event.ip,
        network: key.includes('/') ? key : undefined,
        summary: `${count} or more failed sign-ins from ${from} within ${duration(windowMs)} (threshold ${count}).`,
        evidence: { failures: count, windowMs, firstAt: failures[0]!, counted: key },
      },
    ];
  },
});
