// An admin API call outside working hours, in the operators' own time zone: a stolen admin
// token is most often used when its owner is asleep. Calls from unauthenticated callers are not
// admin actions and are left to the per-address rules.
import { defineRule } from '../rule.ts';
import { duration } from '../words.ts';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const formats = new Map<string, Intl.DateTimeFormat>();

/** The local weekday (0 = Sunday) and minute of the day at `at` in `timeZone`. */
export function localTime(at: number, timeZone: string): { day: number; minute: number; text: string } {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  const day = DAYS.indexOf(parts.weekday!);
  const minute = Number(parts.hour) * 60 + Number(parts.minute);
  return { day, minute, text: `${parts.weekday} ${parts.hour}:${parts.minute}` };
}

const minuteOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3));

export const adminOffHours = defineRule({
  rule: 'admin_off_hours',
  severity: 'medium',
  description: 'An authenticated admin API call outside the configured working days and hours.',
  thresholdsInWords: ({ adminOffHours: t }) =>
    t.enabled
      ? `outside ${t.days.map((d) => DAYS[d]).join(', ')} ${t.start}–${t.end} (${t.timeZone}); again for the same admin after ${duration(t.cooldownMs)}`
      : 'off',
  cooldownMs: (t) => t.adminOffHours.cooldownMs,
  on: ['admin.api_called'],
  evaluate(event, { thresholds }) {
    const hours = thresholds.adminOffHours;
    if (!hours.enabled || event.actor.kind !== 'admin') return [];
    const local = localTime(event.at, hours.timeZone);
    const working = hours.days.includes(local.day) && local.minute >= minuteOf(hours.start) && local.minute < minuteOf(hours.end);
    if (working) return [];
    return [
      {
        subject: event.actor.id,
        ip: event.ip,
        summary: `Admin ${event.actor.id} called ${event.method} ${event.path} (status ${event.status}) at ${local.text} ${hours.timeZone}, outside working hours (${hours.days.map((d) => DAYS[d]).join(', ')} ${hours.start}–${hours.end}).`,
        evidence: { admin: event.actor.id, method: event.method, path: event.path, status: event.status, localTime: local.text, timeZone: hours.timeZone },
      },
    ];
  },
});
