// Mail templates: views/mail/<name>.txt.njk (plain text; its first line is `Subject: …`) and
// views/mail/<name>.html.njk (HTML, autoescaped, inline styles, no remote images: nothing in a
// mail loads anything from anywhere). Both get the same data.
import { join } from 'node:path';
import nunjucks from 'nunjucks';
import { viewsDir } from '../http/render.ts';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export type RenderMail = (name: string, data: Record<string, unknown>) => RenderedMail;

const WHEN = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });

export function mailRenderer(dir: string = join(viewsDir, 'mail')): RenderMail {
  const options = { noCache: false, watch: false };
  const env = (autoescape: boolean) => {
    const e = new nunjucks.Environment(new nunjucks.FileSystemLoader(dir, options), { autoescape, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true });
    e.addFilter('when', (ms: unknown) => (typeof ms === 'number' ? WHEN.format(ms) : ''));
    return e;
  };
  const text = env(false);
  const html = env(true);
  return (name, data) => {
    const raw = text.render(`${name}.txt.njk`, data);
    const match = /^Subject: ([^\r\n]*)\r?\n\r?\n?/.exec(raw);
    if (!match) throw new Error(`mail template ${name}.txt.njk: the first line must be "Subject: …"`);
    return { subject: match[1]!.trim(), text: raw.slice(match[0].length), html: html.render(`${name}.html.njk`, { ...data, subject: match[1]!.trim() }) };
  };
}
