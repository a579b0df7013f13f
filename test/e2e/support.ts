// The end-to-end suite's harness: Debian's Chromium driven by playwright-core (never a downloaded
// browser), a real Latchkey in-process, and the example apps as child processes started the way
// their READMEs start them. Every page state is saved as a screenshot; every Latchkey page is
// checked with axe-core.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { resourceServer, type ResourceServerInput } from '../../config/schema.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { discover, PASSWORD, uniqueId } from '../support/oidc.ts';
import { freePort } from '../support/net.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const SCREENSHOTS = join(import.meta.dirname, 'screenshots');
const ROOT = join(import.meta.dirname, '..', '..');
/** Waits end on the page reaching a state; this only bounds how long a broken run hangs. */
const STEP_TIMEOUT_MS = 10_000;

export interface Person {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * A person with a browser of their own: Chromium with the suite's flags and a fresh user-data
 * directory, so nothing (cookies, storage, cache) carries over from another scenario.
 */
export async function launchPerson(options: { width?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<Person> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium was not found at ${CHROMIUM}. The browser suite uses Debian's chromium and never downloads one: install it with \`apt-get install -y chromium\` (or point CHROMIUM_PATH at a Chromium binary).`);
  }
  const userDataDir = await mkdtemp(join(tmpdir(), 'latchkey-e2e-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_FLAGS,
    headless: true,
    viewport: { width: options.width ?? 1024, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The browsers of one describe block's scenarios. Registers the hooks: after each scenario, every
 * browser it launched (however many people it took) is screenshotted if the scenario failed, then
 * closed; after the block, the axe findings are written. Call it before the block's own `after`.
 */
export function useBrowsers(): { launch: typeof launchPerson } {
  let people: Person[] = [];
  afterEach(async function () {
    const test = this.currentTest;
    const launched = people;
    people = [];
    if (test?.state === 'failed') {
      for (const [i, person] of launched.entries()) await failureShots(person, test.title, launched.length > 1 ? `person${i + 1}` : undefined);
    }
    const closing = await Promise.allSettled(launched.map((person) => person.close()));
    const failed = closing.find((c) => c.status === 'rejected');
    if (failed) throw failed.reason;
  });
  after(async () => {
    await writeAxeFindings();
  });
  return {
    async launch(options) {
      const person = await launchPerson(options);
      people.push(person);
      return person;
    },
  };
}

// ---- the stack: Latchkey, the example API, SPA and web app ----

export interface Example {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts examples/<name> the way its README does (`npm start` runs `node server.js`). */
export async function startExample(name: 'api' | 'spa' | 'webapp', port: number, env: Record<string, string>): Promise<Example> {
  const child: ChildProcess = spawn(process.execPath, ['server.js'], {
    cwd: join(ROOT, 'examples', name),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: 'localhost', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const onData = () => output.includes('listening on') && resolve();
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`examples/${name} exited with ${code} before listening:\n${output}`)));
  });
  return {
    url: `http://localhost:${port}`,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export const API_SCOPE = 'api:read';
/** The plain words the consent page shows for API_SCOPE, as the examples register it. */
export const API_SCOPE_DESCRIPTION = 'Call the example API as you';
export const SPA_CLIENT = 'example-spa';
export const WEBAPP_CLIENT = 'example-webapp';
export const WEBAPP_SECRET = 'webapp-secret-for-the-browser-suite-0123456789';
export const API_CLIENT = 'example-api';

export interface Stack {
  latchkey: Running;
  api: Example;
  spa: Example;
  webapp: Example;
  /** An origin no client registered, serving an empty page: the stranger in the CORS tests. */
  elsewhere: Example;
  stop(): Promise<void>;
}

/**
 * Latchkey with the example API registered as an API (JWT access tokens) and the three examples
 * registered as clients, exactly as the READMEs' `latchkey apis add` and `latchkey clients add`
 * lines do: the SPA and the web app may get tokens for the API with its scope, and example-api is
 * the API's own client, the one that may introspect its tokens. `extraApis` are registered too.
 * The apps live on http://localhost:PORT and Latchkey on http://127.0.0.1:PORT: different sites,
 * as in real life, so no cookie is shared between the apps and Latchkey.
 */
export async function startStack(env: Record<string, string> = {}, extraApis: ResourceServerInput[] = []): Promise<Stack> {
  const [apiPort, spaPort, webappPort, elsewherePort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const apiUrl = `http://localhost:${apiPort}`;
  const spaUrl = `http://localhost:${spaPort}`;
  const webappUrl = `http://localhost:${webappPort}`;
  const latchkey = await startLatchkey({
    env: {
      // Several tabs of one SPA may refresh at the same moment (see spa.e2e.test.ts).
      REFRESH_TOKEN_REUSE_GRACE_SECONDS: '10',
      // The web app hears of sign-outs on localhost (back-channel logout), as in development.
      OUTBOUND_PRIVATE_NETWORKS: 'allow',
      ...env,
    },
  });
  const started: Example[] = [];
  try {
    const { apis, clients } = latchkey.latchkey;
    await apis.add(resourceServer.parse({ identifier: apiUrl, name: 'Example API', scopes: [{ name: API_SCOPE, description: API_SCOPE_DESCRIPTION }] }));
    for (const api of extraApis) await apis.add(resourceServer.parse(api));
    const useTheApi = { allowed_resources: { [apiUrl]: API_SCOPE } };
    await clients.add({
      client_id: SPA_CLIENT,
      client_name: 'Example SPA',
      token_endpoint_auth_method: 'none',
      redirect_uris: [`${spaUrl}/callback`],
      post_logout_redirect_uris: [`${spaUrl}/`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...useTheApi,
    });
    await clients.add({
      client_id: WEBAPP_CLIENT,
      client_name: 'Example Web App',
      client_secret: WEBAPP_SECRET,
      redirect_uris: [`${webappUrl}/callback`],
      post_logout_redirect_uris: [`${webappUrl}/`],
      backchannel_logout_uri: `${webappUrl}/backchannel-logout`,
      backchannel_logout_session_required: true,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...useTheApi,
    });
    const { secret: apiSecret } = await clients.add({
      client_id: API_CLIENT,
      client_name: 'Example API',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      serves_resources: [apiUrl],
    });
    const common = { LATCHKEY_URL: latchkey.url, API_URL: apiUrl };
    started.push(
      await startExample('api', apiPort, {
        LATCHKEY_URL: latchkey.url,
        API_AUDIENCE: apiUrl,
        INTROSPECTION_CLIENT_ID: API_CLIENT,
        INTROSPECTION_CLIENT_SECRET: apiSecret!,
        ALLOWED_ORIGINS: spaUrl,
      }),
    );
    started.push(await startExample('spa', spaPort, { ...common, CLIENT_ID: SPA_CLIENT }));
    started.push(await startExample('webapp', webappPort, { ...common, CLIENT_ID: WEBAPP_CLIENT, CLIENT_SECRET: WEBAPP_SECRET }));
    // Any static page on another origin will do: the SPA's server, pointed at nothing in particular.
    started.push(await startExample('spa', elsewherePort, { ...common, CLIENT_ID: 'nobody' }));
  } catch (error) {
    await Promise.all(started.map((e) => e.stop()));
    await latchkey.stop();
    throw error;
  }
  const [api, spa, webapp, elsewhere] = started as [Example, Example, Example, Example];
  return {
    latchkey,
    api,
    spa,
    webapp,
    elsewhere,
    async stop() {
      await Promise.all(started.map((e) => e.stop()));
      await latchkey.stop();
    },
  };
}

export const DEVICE_CLIENT = 'example-tv';
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * Registers the device client ('example-tv', public, named "Living Room TV") and returns the
 * device's openid-client configuration for it. With `refreshTokens` it may also refresh.
 */
export async function addDeviceClient(running: Running, options: { refreshTokens?: boolean } = {}): Promise<oidc.Configuration> {
  await running.latchkey.clients.add({
    client_id: DEVICE_CLIENT,
    client_name: 'Living Room TV',
    token_endpoint_auth_method: 'none',
    redirect_uris: [],
    response_types: [],
    grant_types: options.refreshTokens ? [DEVICE_CODE, 'refresh_token'] : [DEVICE_CODE],
  });
  return discover(running, DEVICE_CLIENT);
}

// ---- people do things ----

export async function addPerson(running: Running) {
  const id = uniqueId('person');
  const email = `${id}@example.test`;
  await running.latchkey.users.create({ email, password: PASSWORD, name: `Grace Hopper ${id}`, givenName: 'Grace', familyName: 'Hopper', emailVerified: true });
  return { email, password: PASSWORD };
}

/** Fills the login form by its labels and presses Sign in, as a person would. */
export async function fillLogin(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Waits for a page of Latchkey's, by its heading. */
export async function waitForHeading(page: Page, name: string | RegExp) {
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

// ---- evidence: screenshots and axe ----

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

export interface AxeFinding {
  kind: 'violation' | 'needs review';
  page: string;
  url: string;
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}
const findings: AxeFinding[] = [];

export async function screenshot(page: Page, name: string) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Every open tab of a failed scenario, saved for the CI artifacts. `who` tells apart the browsers
 * of a scenario that took more than one person.
 */
export async function failureShots(person: Person, title: string, who?: string) {
  const slug = title.replace(/[^\w]+/g, '-').slice(0, 60);
  const prefix = who ? `FAILED-${slug}-${who}` : `FAILED-${slug}`;
  for (const [i, page] of person.context.pages().entries()) {
    await screenshot(page, `${prefix}-tab${i + 1}`).catch(() => undefined);
  }
}

/**
 * Screenshot, then axe-core on the page as it is: no serious or critical violation allowed.
 * Lesser findings, and what axe could not decide, are kept in screenshots/axe-findings-*.json.
 */
export async function checkPage(page: Page, name: string) {
  await screenshot(page, name);
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol, so the page's own CSP (script-src 'self') does not
  // have to be loosened for the audit.
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axeSource);
  const results = (await page.evaluate(`window.axe.run(document, { resultTypes: ['violations', 'incomplete'] }).then((r) => {
    const brief = (v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) });
    return { violations: r.violations.map(brief), incomplete: r.incomplete.map(brief) };
  })`)) as Record<'violations' | 'incomplete', Omit<AxeFinding, 'page' | 'url' | 'kind'>[]>;
  const { violations } = results;
  for (const kind of ['violations', 'incomplete'] as const) {
    for (const v of results[kind]) findings.push({ kind: kind === 'violations' ? 'violation' : 'needs review', page: name, url: page.url(), ...v });
  }
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(blocking, `axe on ${name} (${page.url()}): serious or critical violations`).to.deep.equal([]);
}

export async function writeAxeFindings() {
  await mkdir(SCREENSHOTS, { recursive: true });
  await writeFile(join(SCREENSHOTS, `axe-findings-${process.pid}.json`), `${JSON.stringify(findings, null, 2)}\n`);
}

/** No stack trace, file path or exception name on a page meant for people. */
export async function expectNoInternals(page: Page) {
  const text = await page.locator('body').innerText();
  expect(text).to.not.match(/\bat \S+ \(?\S+:\d+:\d+\)?|node_modules|\.ts:\d+|TypeError|ReferenceError|SyntaxError|Error: /);
}
