// A person with a browser, over plain HTTP: keeps cookies, follows redirects, reads pages, and
// fills forms by their labels (the way a person reads them), carrying hidden fields along.
import { parse, type HTMLElement } from 'node-html-parser';

export interface Page {
  url: string;
  status: number;
  html: string;
  doc: HTMLElement;
  /** The last response's headers. */
  headers: Headers;
}

export class Browser {
  readonly #cookies = new Map<string, Map<string, string>>();
  /** Redirects to these origins are not followed: they are the relying party's. */
  readonly stopAt: string[];
  /** Sent with every request (e.g. the X-Forwarded-For a proxy in front would add). */
  headers: Record<string, string> = {};

  constructor(stopAt: string[] = []) {
    this.stopAt = stopAt;
  }

  /** Every cookie value this browser holds, for any host (tests that hunt for credentials). */
  cookieValues(): string[] {
    return [...this.#cookies.values()].flatMap((jar) => [...jar.values()]);
  }

  /** The cookies it would send to a URL, as a Cookie header. */
  cookieHeader(url: string): string {
    return this.#cookieHeader(new URL(url));
  }

  #cookieHeader(url: URL): string {
    return [...(this.#cookies.get(url.host) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #store(url: URL, response: Response) {
    const jar = this.#cookies.get(url.host) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.#cookies.set(url.host, jar);
  }

  /** The cookies this browser holds for a host (name → value). */
  cookies(host: string): Map<string, string> {
    return new Map(this.#cookies.get(host) ?? []);
  }

  /** Puts a cookie in the jar, as a person editing their cookies would. */
  setCookie(host: string, name: string, value: string): void {
    const jar = this.#cookies.get(host) ?? new Map<string, string>();
    jar.set(name, value);
    this.#cookies.set(host, jar);
  }

  /** Forgets every cookie but those named (a browser whose session ended). */
  keepOnly(host: string, names: string[]): void {
    const jar = this.#cookies.get(host);
    for (const name of jar?.keys() ?? []) if (!names.includes(name)) jar!.delete(name);
  }

  /** One request, no redirect following. */
  async request(method: string, target: string, body?: URLSearchParams): Promise<Response> {
    const url = new URL(target);
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        ...this.headers,
        accept: 'text/html',
        cookie: this.#cookieHeader(url),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    this.#store(url, response);
    return response;
  }

  /** A page script's fetch: JSON in and out, with this browser's cookies (and keeping those set). */
  async json(method: string, target: string, body?: unknown): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
    const url = new URL(target);
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: { ...this.headers, accept: 'application/json', cookie: this.#cookieHeader(url), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    this.#store(url, response);
    const text = await response.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = { raw: text };
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  /** Follows redirects (303/302 become GET) until a page, or a redirect to a stopAt origin. */
  async navigate(method: string, target: string, body?: URLSearchParams): Promise<Page> {
    let response = await this.request(method, target, body);
    let url = target;
    for (let hops = 0; hops < 20 && response.status >= 300 && response.status < 400; hops++) {
      url = new URL(response.headers.get('location')!, url).href;
      await response.body?.cancel();
      if (this.stopAt.some((origin) => url.startsWith(origin))) {
        return { url, status: response.status, html: '', doc: parse(''), headers: response.headers };
      }
      response = await this.request('GET', url);
    }
    const html = await response.text();
    return { url, status: response.status, html, doc: parse(html), headers: response.headers };
  }

  get(url: string): Promise<Page> {
    return this.navigate('GET', url);
  }

  /**
   * Submits the form holding the labelled fields (or the only/first form), filling each field
   * by its label text and pressing the button with that text, as a person would.
   */
  submit(page: Page, fields: Record<string, string>, button?: string): Promise<Page> {
    const forms = page.doc.querySelectorAll('form');
    const labels = Object.keys(fields);
    const holds = (f: (typeof forms)[number]) => labels.every((label) => f.querySelectorAll('label').some((l) => l.text.trim() === label));
    // The form with those fields and that button, when a page has several.
    const form = forms.find((f) => holds(f) && (!button || f.querySelectorAll('button').some((b) => b.text.trim() === button))) ?? forms.find(holds) ?? forms[0];
    if (!form) throw new Error(`no form on ${page.url}:\n${page.html.slice(0, 500)}`);
    const data = new URLSearchParams();
    for (const input of form.querySelectorAll('input')) {
      const type = input.getAttribute('type') ?? 'text';
      const name = input.getAttribute('name');
      if (name && type === 'hidden') data.set(name, input.getAttribute('value') ?? '');
      else if (name && input.getAttribute('value') !== undefined) data.set(name, input.getAttribute('value') ?? '');
    }
    for (const [label, value] of Object.entries(fields)) {
      const labelEl = form.querySelectorAll('label').find((l) => l.text.trim() === label);
      if (!labelEl) throw new Error(`no field labelled ${label} on ${page.url}`);
      const input = form.querySelector(`#${labelEl.getAttribute('for')}`);
      if (!input?.getAttribute('name')) throw new Error(`label ${label} is not tied to a named input`);
      data.set(input.getAttribute('name')!, value);
    }
    const buttons = form.querySelectorAll('button');
    const pressed = button ? buttons.find((b) => b.text.trim() === button) : buttons.find((b) => (b.getAttribute('type') ?? 'submit') === 'submit');
    if (button && !pressed) throw new Error(`no button ${button} on ${page.url}`);
    if (pressed?.getAttribute('name')) data.set(pressed.getAttribute('name')!, pressed.getAttribute('value') ?? '');
    const action = new URL(form.getAttribute('action') ?? page.url, page.url).href;
    return this.navigate((form.getAttribute('method') ?? 'get').toUpperCase(), action, data);
  }
}
