// A hostile client for the bad-input suite: sends exactly the bytes it is given (any method, any
// header node:http allows, or raw bytes over a socket for what it does not), never hangs (every
// request has a deadline), and judges responses: an OAuth error as JSON for programs, an error
// page as HTML for people, and never a stack trace or a file path in either.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { expect } from 'chai';
import fc from 'fast-check';

/** Every request gets this long; a response that takes longer is a hang. */
export const DEADLINE_MS = 5000;

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  json: unknown;
  /** "METHOD path", for failure messages. */
  label: string;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

/** Form bodies in tests are often built by hand (raw %-escapes), so the type is explicit. */
export const FORM = 'application/x-www-form-urlencoded';
export const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One HTTP request with node:http (no redirects followed, no keep-alive, a hard deadline). */
export function send(base: string, path: string, options: SendOptions = {}): Promise<Reply> {
  const url = new URL(base);
  const method = options.method ?? 'GET';
  const label = `${method} ${path.length > 200 ? `${path.slice(0, 200)}…(${path.length})` : path}`;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        agent: false,
        headers: {
          connection: 'close',
          ...(options.body !== undefined ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}),
          ...options.headers,
        },
        timeout: DEADLINE_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text), label });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${label}: no response within ${DEADLINE_MS} ms (hang)`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export interface RawReply {
  /** 0 when the server closed the connection without answering. */
  status: number;
  head: string;
  body: string;
  /** Every status line seen, for pipelined requests. */
  statuses: number[];
}

/**
 * Writes raw bytes to the server and reads until it closes the connection. For what node:http
 * refuses to send: CR/LF and NUL in headers, UTF-8 in header values, smuggling-shaped framing.
 */
export function sendRaw(base: string, bytes: string | Buffer): Promise<RawReply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`raw request: no complete response within ${DEADLINE_MS} ms (hang): ${String(bytes).slice(0, 120)}`));
    }, DEADLINE_MS);
    socket.on('connect', () => socket.end(bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after the server answered (it closes a connection it refused) still leaves the answer.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks).toString('latin1');
      const split = all.indexOf('\r\n\r\n');
      const head = split === -1 ? all : all.slice(0, split);
      const statuses = [...all.matchAll(/^HTTP\/1\.[01] (\d{3})/gm)].map((m) => Number(m[1]));
      resolve({ status: statuses[0] ?? 0, head, body: split === -1 ? '' : all.slice(split + 4), statuses });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Judging responses

/** Text that only a leaked stack trace, exception or server file path would contain. */
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const LEAKS: RegExp[] = [
  /\bat (?:async )?[\w$.<>[\] ]+ \((?:file:|node:|\/)[^)]*:\d+:\d+\)/, // "at fn (file:///x.ts:1:2)"
  /^\s*at (?:file|node):/m,
  /\bat (?:async )?(?:file:\/\/)?\/[\w./-]+:\d+:\d+/,
  // The server's own files. (A hostile value echoed back, such as file:///etc/passwd, is not a leak.)
  new RegExp(escapeRegExp(process.cwd())),
  /node_modules/,
  /\b(?:TypeError|ReferenceError|SyntaxError|RangeError)\b/,
  /\.(?:ts|js|mjs):\d+/,
];

export function expectNoLeak(reply: Pick<Reply, 'text' | 'label'>): void {
  for (const pattern of LEAKS) {
    expect(pattern.test(reply.text), `${reply.label}: response leaks internals (${pattern}):\n${reply.text.slice(0, 600)}`).to.equal(false);
  }
}

const describeReply = (r: Reply) => `${r.label} -> ${r.status} ${String(r.headers['content-type'])}\n${r.text.slice(0, 400)}`;

export function expectNot5xx(r: Reply): void {
  expect(r.status, describeReply(r)).to.be.within(100, 499);
}

/** A 4xx whose body is an OAuth-style error object: `{ "error": "<code>", ... }`. */
export function expectApiError(r: Reply, statuses?: number[]): void {
  if (statuses) expect(statuses, describeReply(r)).to.include(r.status);
  else expect(r.status, describeReply(r)).to.be.within(400, 499);
  expect(String(r.headers['content-type']), describeReply(r)).to.match(/^application\/json\b/);
  const body = r.json as { error?: unknown; error_description?: unknown } | undefined;
  expect(body, describeReply(r)).to.be.an('object');
  expect(body!.error, describeReply(r)).to.be.a('string').and.match(/^[\x20-\x7e]+$/);
  if (body!.error_description !== undefined) expect(body!.error_description, describeReply(r)).to.be.a('string');
  expectNoLeak(r);
}

/** A 4xx error page for a person: HTML, no internals. */
export function expectHtmlPage(r: Reply, statuses?: number[]): void {
  if (statuses) expect(statuses, describeReply(r)).to.include(r.status);
  else expect(r.status, describeReply(r)).to.be.within(400, 499);
  expectHtml(r);
}

/** Any HTML response (2xx pages that legitimately answer junk, such as a form_post). */
export function expectHtml(r: Reply): void {
  expect(String(r.headers['content-type']), describeReply(r)).to.match(/^text\/html\b/);
  expect(r.text, describeReply(r)).to.match(/<html[\s>]/i);
  expectNoLeak(r);
}

/** For routes that answer people and programs: HTML when HTML was asked for, JSON otherwise. */
export function expectErrorFor(accept: 'html' | 'json', r: Reply, statuses?: number[]): void {
  if (accept === 'html') expectHtmlPage(r, statuses);
  else expectApiError(r, statuses);
}

/** A 4xx that is either a proper error page or a proper OAuth error object. */
export function expectAnyError(r: Reply, statuses?: number[]): void {
  if (/^text\/html\b/.test(String(r.headers['content-type']))) expectHtmlPage(r, statuses);
  else expectApiError(r, statuses);
}

/** The action of the (only) auto-submitting form of a form_post page. */
export function formAction(html: string): string | undefined {
  return /<form[^>]*\baction="([^"]*)"/i.exec(html)?.[1]?.replaceAll('&amp;', '&');
}

/** name=value pairs of a page's hidden inputs. */
export function hiddenInputs(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of html.matchAll(/<input\b[^>]*>/gi)) {
    const tag = match[0];
    const name = /\bname="([^"]*)"/.exec(tag)?.[1];
    const value = /\bvalue="([^"]*)"/.exec(tag)?.[1];
    if (name && /type="hidden"/i.test(tag)) out[name] = (value ?? '').replaceAll('&amp;', '&').replaceAll('&#39;', "'").replaceAll('&quot;', '"');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cookies, for the few tests that need a browser session

export class Jar {
  readonly #cookies = new Map<string, string>();

  take(reply: Reply): void {
    const lines = reply.headers['set-cookie'] ?? [];
    for (const line of lines) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  get header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  has(name: string): boolean {
    return this.#cookies.has(name);
  }
}

// ---------------------------------------------------------------------------------------------
// Hostile values

/** Values that have broken parsers, stores, templates and loggers somewhere. Raw, not encoded. */
export const HOSTILE_VALUES: string[] = [
  '',
  ' ',
  '\0',
  'a\0b',
  '\r\n',
  'x\r\nSet-Cookie: pwned=1',
  '\t\v\f',
  '%',
  '%00',
  '%zz',
  '\u202e\u200b\ufeff',
  '\ud83d\ude00\ud83d\udc4d\ud83c\udffd',
  '\ud800',
  'ǅǈǋ𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '0',
  '-1',
  '1e309',
  'NaN',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' OR '1'='1",
  '{"$gt":""}',
  '${7*7}{{7*7}}',
  '../../../../etc/passwd',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'https://evil.example/callback',
  '//evil.example',
  'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
  'eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo',
  'a.b.c',
  'a.b.c.d.e',
  '....',
  'x'.repeat(4096),
  'é'.repeat(2000),
  '\u{10ffff}'.repeat(100),
];

/** Raw (already encoded) query/form fragments: invalid escapes and invalid UTF-8. */
export const HOSTILE_ENCODED: string[] = ['%', '%2', '%zz', '%ff%fe', '%c0%af', '%e0%a4%a', '%00', '%ed%a0%80', '+%2B+', '%25%32%35'];

/** Parameter names that probe object handling in parsers (qs, URLSearchParams, our code). */
export const HOSTILE_KEYS: string[] = [
  '__proto__',
  '__proto__[polluted]',
  'constructor',
  'constructor[prototype][polluted]',
  'prototype',
  'hasOwnProperty',
  'toString',
  'scope[]',
  'scope[0]',
  'client_id[]',
  'client_id[a]',
  'a[b][c][d][e][f][g]',
  '',
  '=',
  '&',
  '\0',
];

// ---------------------------------------------------------------------------------------------
// fast-check arbitraries

/** encodeURIComponent that never throws: lone surrogates become U+FFFD, as a browser sends them. */
export const enc = (s: string) => encodeURIComponent(s.toWellFormed());

/** Any string: ASCII, full unicode, lone surrogates, hostile picks, occasionally long. */
export const junk: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 2 },
  { arbitrary: fc.constantFrom(...HOSTILE_VALUES), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 500, maxLength: 3000 }), weight: 1 },
);

/** A value as it appears in a query string or form body: encoded, or raw broken escapes. */
export const encodedJunk: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: junk.map(enc), weight: 5 },
  { arbitrary: fc.constantFrom(...HOSTILE_ENCODED), weight: 1 },
);

/** Hostile keys that can go into a request target unencoded (node:http allows 0x21-0xFF only). */
export const RAW_KEYS = HOSTILE_KEYS.filter((k) => /^[\x21-\x7e]+$/.test(k) && !/[&=#]/.test(k));

export const encodedKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...HOSTILE_KEYS).map(enc),
  fc.constantFrom(...RAW_KEYS),
  fc.string({ maxLength: 12 }).map(enc),
);

const encodePair = (k: string, v: string) => `${enc(k)}=${enc(v)}`;

/**
 * A request (query string or form body) derived from a base one by mutations: dropped params,
 * params set to junk, duplicated params, params turned into arrays (`scope[]=`), extra junk
 * params. Returns the encoded string, ready to send.
 */
export function mutated(base: Record<string, string>, names: string[]): fc.Arbitrary<string> {
  const baseKeys = Object.keys(base);
  const all = [...new Set([...baseKeys, ...names])];
  return fc
    .record({
      drop: fc.subarray(baseKeys),
      garbage: fc.array(fc.tuple(fc.constantFrom(...all), encodedJunk), { maxLength: 4 }),
      dupes: fc.subarray(all, { maxLength: 2 }),
      arrays: fc.subarray(all, { maxLength: 2 }),
      extra: fc.array(fc.tuple(encodedKey, encodedJunk), { maxLength: 3 }),
      shuffle: fc.boolean(),
    })
    .map(({ drop, garbage, dupes, arrays, extra, shuffle }) => {
      const values = new Map<string, string>(Object.entries(base).map(([k, v]) => [k, enc(v)]));
      for (const k of drop) values.delete(k);
      for (const [k, v] of garbage) values.set(k, v);
      const pairs: string[] = [];
      for (const [k, v] of values) {
        if (arrays.includes(k)) pairs.push(`${enc(k)}[]=${v}`, `${enc(k)}[]=${v}`);
        else pairs.push(`${enc(k)}=${v}`);
        if (dupes.includes(k)) pairs.push(`${enc(k)}=${v}`);
      }
      for (const [k, v] of extra) pairs.push(`${k}=${v}`);
      if (shuffle) pairs.reverse();
      return pairs.join('&');
    });
}

export const formOf = (params: Record<string, string>) => Object.entries(params).map(([k, v]) => encodePair(k, v)).join('&');

/** Header values node:http will send (no CR, LF or NUL; Latin-1 only). */
export const headerJunk: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, '')),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.constantFrom(...HOSTILE_VALUES.filter((v) => /^[\t\x20-\x7e\x80-\xff]*$/.test(v))),
);

/** Authorization header values: broken schemes, broken Basic, long and odd Bearer values. */
export const authorizationJunk: fc.Arbitrary<string> = fc.oneof(
  headerJunk,
  headerJunk.map((v) => `Bearer ${v}`),
  headerJunk.map((v) => `Basic ${v}`),
  fc.tuple(headerJunk, headerJunk).map(([u, p]) => `Basic ${Buffer.from(`${u}:${p}`, 'latin1').toString('base64')}`),
  headerJunk.map((v) => `Basic ${Buffer.from(v, 'latin1').toString('base64')}`),
  fc.constantFrom('Bearer', 'Bearer ', 'Basic', 'Basic ', 'bearer  x', 'DPoP x', 'Negotiate x', 'Digest username="x"', `Bearer ${'a'.repeat(10_000)}`),
);

/** A JSON value of any shape, with hostile keys. */
export const jsonJunk: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.oneof(fc.constantFrom(...HOSTILE_KEYS, 'email', 'password', 'client_id'), fc.string({ maxLength: 8 })), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
);

/** fast-check settings for every property: fixed seed (override with FC_SEED to explore). */
export const FC_SEED = Number(process.env.FC_SEED ?? 424242);
export const runs = (numRuns: number) => ({ seed: FC_SEED, numRuns });
