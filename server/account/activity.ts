// A person's security activity: their own recent events, newest first, in words ("Signed in on
// Firefox on Windows, near Lisbon, Portugal"), each with the action that fits ("Not you? …").
// Kept as a capped feed per account in the store (the last 100, for 90 days after the newest),
// so it never grows without bound and needs no query over everyone's events.
import type { Feeds } from '../store/types.ts';

const MAX_ITEMS = 100;
const KEEP_SECONDS = 90 * 24 * 3600;

export type ActivityKind =
  | 'signin.succeeded'
  | 'signin.failed'
  | 'consent.granted'
  | 'access.removed'
  | 'session.ended'
  | 'password.changed'
  | 'mfa.changed'
  | 'signin.second_factor_failed'
  | 'alert'
  | 'signin.feedback';

/** What the risk model made of a sign-in with the right password (interactions/risk-check.ts). */
export interface ActivityRisk {
  /** What the "this was me / this wasn't me" buttons name the sign-in by. */
  key: string;
  decision: 'allow' | 'require' | 'deny';
  /** The model's score (higher: less like the owner), for support staff reading the feed. */
  score: number;
  reasons: string[];
}

export interface ActivityItem {
  kind: ActivityKind;
  /** Epoch ms. */
  at: number;
  /** What happened, in plain words. */
  text: string;
  device?: string;
  place?: string;
  ip?: string;
  /** The app concerned, by name. */
  app?: string;
  /** On sign-ins with the right password: the risk model's view, and what feedback refers to. */
  risk?: ActivityRisk;
}

/** What a person should do about an item that may not have been them. */
export function adviceFor(item: ActivityItem): string | undefined {
  if (item.risk?.decision === 'deny') return 'Not you? Someone knows your password: change it now, and sign out of your other sessions.';
  switch (item.kind) {
    case 'signin.succeeded':
    case 'consent.granted':
    case 'password.changed':
    case 'mfa.changed':
      return 'Not you? Sign out everywhere and change your password.';
    case 'signin.second_factor_failed':
      return 'Not you? Someone knows your password: change it now, to one you use nowhere else.';
    case 'signin.failed':
      return 'Not you? Someone may be guessing your password: make sure it is one you use nowhere else.';
    case 'alert':
      return 'If this was not you, sign out everywhere and change your password.';
    default:
      return undefined;
  }
}

export interface Activity {
  record(sub: string, item: ActivityItem): Promise<void>;
  recent(sub: string, limit: number): Promise<ActivityItem[]>;
}

export function storedActivity(feeds: Feeds): Activity {
  const feed = (sub: string) => `activity:${sub}`;
  return {
    async record(sub, item) {
      await feeds.push(feed(sub), JSON.stringify(item), { max: MAX_ITEMS, ttlSeconds: KEEP_SECONDS });
    },
    async recent(sub, limit) {
      return (await feeds.read(feed(sub), Math.min(limit, MAX_ITEMS))).map((raw) => JSON.parse(raw) as ActivityItem);
    },
  };
}

/** "first sign-in from Brazil, and new browser (Firefox on Linux)". */
const listed = (reasons: string[]) => (reasons.length <= 1 ? (reasons[0] ?? '') : `${reasons.slice(0, -1).join(', ')} and ${reasons.at(-1)}`);

/** The words for what a person did on the sign-in and consent pages (with what the risk model made of a sign-in). */
export function signInText(kind: 'signin.succeeded' | 'signin.failed' | 'signin.second_factor_failed' | 'consent.granted', app: string, risk?: Pick<ActivityRisk, 'decision' | 'reasons'>, via?: 'passkey'): string {
  if (risk?.decision === 'deny' && kind === 'signin.failed') {
    return `A sign-in to ${app} with your password was stopped because it did not look like you${risk.reasons.length ? `: ${listed(risk.reasons)}` : ''}`;
  }
  switch (kind) {
    case 'signin.second_factor_failed':
      return via === 'passkey' ? `A sign-in to ${app} gave your password but a passkey that was not accepted` : `A sign-in to ${app} gave your password but a wrong code`;
    case 'signin.succeeded':
      return risk?.decision === 'require' && risk.reasons.length ? `Signed in to ${app}, which looked unusual: ${listed(risk.reasons)}` : `Signed in to ${app}`;
    case 'signin.failed':
      return via === 'passkey' ? `A sign-in to ${app} with one of your passkeys was not accepted` : `A sign-in to ${app} failed: wrong password, or the account is disabled`;
    case 'consent.granted':
      return `You allowed ${app} to access your account`;
  }
}

/** Records an item for a request, with its device and approximate place; never waits on the
 * store (a failure is logged, the request goes on). */
export type NoteActivity = (ctx: { ip: string; get(header: string): string }, sub: string, item: Pick<ActivityItem, 'kind' | 'text' | 'app' | 'risk'>) => void;

export function activityNotes(activity: Activity, describe: (ip: string, userAgent: string) => { device?: string; place?: string }, onError: (err: unknown) => void): NoteActivity {
  return (ctx, sub, item) => {
    const where = describe(ctx.ip, ctx.get('user-agent'));
    void activity.record(sub, { ...item, at: Date.now(), ip: ctx.ip, ...where }).catch(onError);
  };
}
