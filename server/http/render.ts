import { join } from 'node:path';
import nunjucks from 'nunjucks';

/** The repository's views/ folder, where every server-rendered template lives. */
export const viewsDir: string = join(import.meta.dirname, '..', '..', 'views');

export type Render = (template: string, data: Record<string, unknown>) => string;

/**
 * Builds the one function routes use to turn a template and its data into HTML.
 *
 * Autoescaping is on so anything a client or user controls (client names, hosts, emails, error
 * text) is HTML-escaped; templates never use `| safe`. Templates ship with the code, so they are
 * cached and never watched (a watcher would also keep test processes alive). Undefined values
 * render as empty strings, so an optional field a route leaves out is harmless.
 */
export function createRenderer(dir: string = viewsDir): Render {
  const loader = new nunjucks.FileSystemLoader(dir, { noCache: false, watch: false });
  const env = new nunjucks.Environment(loader, {
    autoescape: true,
    throwOnUndefined: false,
    trimBlocks: true,
    lstripBlocks: true,
  });
  env.addFilter('href', safeHref);
  env.addFilter('when', when);
  env.addFilter('ago', ago);
  // Upper-cases only the first letter (nunjucks' capitalize lower-cases the rest: "Firefox on windows").
  env.addFilter('sentence', (text: unknown) => (typeof text === 'string' && text ? text[0]!.toUpperCase() + text.slice(1) : text));
  return (template, data) => env.render(template.endsWith('.njk') ? template : `${template}.njk`, data);
}

/**
 * Escaping stops markup injection but not `javascript:` or `data:` URLs in an href, and client
 * metadata (policy_uri, tos_uri) or a back link may come from outside. Only http(s) URLs and
 * same-origin paths are linked; anything else renders as no link at all.
 */
export function safeHref(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '';
  if (value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')) return value;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : '';
  } catch {
    return '';
  }
}

const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });

/** An epoch-ms time as a person reads it: "2 Dec 2026, 14:05 UTC". */
export function when(ms: unknown): string {
  return typeof ms === 'number' && Number.isFinite(ms) ? DATE.format(ms) : '';
}

/** An epoch-ms time relative to now: "just now", "5 minutes ago", "3 days ago". */
export function ago(ms: unknown, now = Date.now()): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  if (seconds < 60) return 'just now';
  const [n, unit] = seconds < 3600 ? [Math.floor(seconds / 60), 'minute'] : seconds < 86_400 ? [Math.floor(seconds / 3600), 'hour'] : [Math.floor(seconds / 86_400), 'day'];
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}
