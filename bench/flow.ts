// The authorization code + PKCE flow as a browser walks it: follow redirects, fill the login
// form (email, password, hidden fields), press Allow on the consent page, and exchange the code
// at the token endpoint as a public client. One state machine serves two drivers: fetch (to
// prepare tokens before a measurement) and autocannon (the login scenarios), where each
// response decides the next request.
import { createHash, randomBytes } from 'node:crypto';
import type { Request as CannonRequest } from 'autocannon';
import { FORM, REDIRECT_URI, type BenchClient, type BenchUser } from './fixtures.ts';
import { FORWARDED, type Target } from './servers.ts';

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
}

export interface Step {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

type HeaderMap = Record<string, string | string[] | undefined>;

export interface FlowOptions {
  target: Target;
  client: BenchClient;
  user: BenchUser;
  scope?: string;
  /** A browser's cookies; share one to keep its session between flows (no login then). */
  jar?: Map<string, string>;
  /** Sent with every request (e.g. the X-Forwarded-For the trusted proxy appends). */
  headers?: Record<string, string>;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

export class Flow {
  readonly jar: Map<string, string>;
  readonly started = performance.now();
  finished?: number;
  tokens?: TokenSet;
  error?: string;
  /** Turned away with 503 and Retry-After (Latchkey's bounded password queue): not a failure. */
  shed = false;
  logins = 0;
  steps = 0;
  #next?: Step;
  #exchanging = false;
  readonly #options: FlowOptions;
  readonly #verifier = randomBytes(32).toString('base64url');

  constructor(options: FlowOptions) {
    this.#options = options;
    this.jar = options.jar ?? new Map();
    const scope = options.scope ?? 'openid email profile offline_access';
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: options.client.client_id,
      redirect_uri: REDIRECT_URI,
      scope,
      code_challenge: createHash('sha256').update(this.#verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: randomBytes(8).toString('base64url'),
      nonce: randomBytes(8).toString('base64url'),
      // offline_access is honoured only with a consent prompt (oidc-provider).
      ...(scope.includes('offline_access') ? { prompt: 'consent' } : {}),
    });
    this.#next = { method: 'GET', path: `/auth?${query}`, headers: {} };
  }

  get done(): boolean {
    return this.tokens !== undefined || this.error !== undefined || this.shed;
  }

  /** The next request, with the browser's cookies; undefined once done. */
  request(): Step | undefined {
    if (this.done || !this.#next) return undefined;
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    return { ...this.#next, headers: { ...FORWARDED, ...this.#options.headers, accept: 'text/html', ...(cookie ? { cookie } : {}), ...this.#next.headers } };
  }

  absorb(status: number, headers: HeaderMap, body: string): void {
    this.steps++;
    const find = (name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
    const cookies = find('set-cookie');
    for (const line of cookies === undefined ? [] : Array.isArray(cookies) ? cookies : [cookies]) {
      const pair = line.split(';', 1)[0]!;
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    if (this.#exchanging) {
      if (status === 200) {
        this.tokens = JSON.parse(body) as TokenSet;
        this.finished = performance.now();
      } else this.fail(`token endpoint answered ${status}: ${body.slice(0, 200)}`);
      return;
    }
    if (status >= 300 && status < 400) {
      const location = String(find('location') ?? '');
      const url = new URL(location, this.#options.target.issuer);
      if (url.href.startsWith(REDIRECT_URI)) {
        const code = url.searchParams.get('code');
        if (!code) return this.fail(`redirected to the client without a code: ${url.search}`);
        this.#exchanging = true;
        this.#next = {
          method: 'POST',
          path: '/token',
          headers: { ...FORM, accept: 'application/json' },
          body: form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: this.#verifier, client_id: this.#options.client.client_id }),
        };
        return;
      }
      this.#next = { method: 'GET', path: `${url.pathname}${url.search}`, headers: {} };
      return;
    }
    if (status === 503 && find('retry-after') !== undefined) {
      this.shed = true;
      this.finished = performance.now();
      return;
    }
    if (status !== 200) return this.fail(`${this.#next?.method} ${this.#next?.path.split('?')[0]} answered ${status}: ${body.slice(0, 300)}`);
    const action = /<form[^>]*\baction="([^"]+)"/.exec(body)?.[1];
    if (!action) return this.fail(`no form on ${this.#next?.path}: ${body.slice(0, 300)}`);
    const hidden: Record<string, string> = {};
    for (const match of body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) hidden[match[1]!] = match[2]!;
    if (/name="password"/.test(body)) {
      this.logins++;
      const { email, password } = this.#options.user;
      this.#next = { method: 'POST', path: action, headers: FORM, body: form({ ...hidden, email, password }) };
    } else if (/name="decision"/.test(body)) {
      this.#next = { method: 'POST', path: action, headers: FORM, body: form({ ...hidden, decision: 'allow' }) };
    } else this.fail(`unexpected page at ${this.#next?.path}: ${body.slice(0, 300)}`);
  }

  fail(reason: string): void {
    this.error = reason;
    this.finished = performance.now();
  }
}

/** Walks a flow with fetch, start to finish. */
export async function runFlow(options: FlowOptions): Promise<Flow> {
  const flow = new Flow(options);
  for (let step = flow.request(); step; step = flow.request()) {
    if (flow.steps > 20) {
      flow.fail('more than 20 steps');
      break;
    }
    const response = await fetch(`${options.target.url}${step.path}`, { method: step.method, headers: step.headers, body: step.body, redirect: 'manual' });
    const headers: HeaderMap = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    headers['set-cookie'] = response.headers.getSetCookie();
    flow.absorb(response.status, headers, await response.text());
  }
  return flow;
}

/**
 * autocannon requests that run one flow per iteration: each request is built from the flow's
 * state, each response advances it; when the flow ends, the iteration ends (setupRequest
 * returns null) and the connection starts a new flow.
 */
export function flowRequests(make: () => Flow, onEnd: (flow: Flow) => void, maxSteps = 12): CannonRequest[] {
  interface Context {
    flow?: Flow;
  }
  const request: CannonRequest = {
    setupRequest: (req, context) => {
      const ctx = context as Context;
      ctx.flow ??= make();
      const step = ctx.flow.request();
      if (!step) return null as never;
      return { ...req, method: step.method, path: step.path, headers: { ...req.headers, ...step.headers }, body: step.body ?? '' };
    },
    onResponse: (status, body, context, headers) => {
      const flow = (context as Context).flow!;
      flow.absorb(status, (headers ?? {}) as HeaderMap, body);
      if (flow.done) onEnd(flow);
    },
  };
  return Array.from({ length: maxSteps }, () => request);
}
