// Debian's Apache with mod_auth_openidc as a relying party, for the interop suite: a throwaway
// ServerRoot with the recipe's configuration (docs/relying-parties.md), on a free loopback port,
// started in the foreground as a child process and stopped with it. /protected/whoami is a CGI
// script that prints what the module hands the app (OIDC_CLAIM_*, REMOTE_USER; never tokens).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/net.ts';

// Debian's places; test/preflight.ts checks them (APACHE2_PATH, APACHE_MODULES_DIR point elsewhere).
export const APACHE = process.env.APACHE2_PATH ?? '/usr/sbin/apache2';
export const MODULES = process.env.APACHE_MODULES_DIR ?? '/usr/lib/apache2/modules';

export interface Apache {
  url: string;
  redirectUri: string;
  /** The error log so far (the module's complaints, when a step fails). */
  errors(): Promise<string>;
  stop(): Promise<void>;
}

export interface ApacheOptions {
  /** Latchkey's issuer URL. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** From apacheUrl(): the caller registers the client with its redirect URI first. */
  port: number;
  /** OIDCPKCEMethod S256 (the recipe); false leaves the module's default, no PKCE. */
  pkce?: boolean;
}

const WHOAMI = `#!/bin/sh
echo "Content-Type: text/plain"
echo
env | grep -E '^(OIDC_CLAIM_|REMOTE_USER=)' | sort
`;

export async function apacheUrl(): Promise<{ port: number; url: string; redirectUri: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return { port, url, redirectUri: `${url}/protected/redirect_uri` };
}

export async function startApache({ issuer, clientId, clientSecret, port, pkce = true }: ApacheOptions): Promise<Apache> {
  const root = await mkdtemp(join(tmpdir(), 'latchkey-apache-'));
  // Apache drops to nobody when started as root: the files it serves must be readable by it.
  await chmod(root, 0o755);
  for (const dir of ['htdocs', 'logs', 'run']) await mkdir(join(root, dir));
  await writeFile(join(root, 'htdocs', 'loggedout.html'), '<p>logged out</p>\n');
  await writeFile(join(root, 'whoami.cgi'), WHOAMI, { mode: 0o755 });
  const url = `http://127.0.0.1:${port}`;
  const redirectUri = `${url}/protected/redirect_uri`;
  const asRoot = process.getuid?.() === 0;
  const modules = ['mpm_event', 'authz_core', 'authz_user', 'authn_core', 'cgi', 'mime', 'alias', 'auth_openidc'];
  await writeFile(
    join(root, 'httpd.conf'),
    [
      `ServerRoot ${root}`,
      `Listen 127.0.0.1:${port}`,
      'ServerName 127.0.0.1',
      `PidFile ${join(root, 'run', 'httpd.pid')}`,
      `ErrorLog ${join(root, 'logs', 'error.log')}`,
      `LogLevel ${process.env.APACHE_LOG_LEVEL ?? 'warn'}`,
      ...(asRoot ? ['User nobody', 'Group nogroup'] : []),
      ...modules.map((m) => `LoadModule ${m === 'auth_openidc' ? 'auth_openidc_module' : `${m}_module`} ${MODULES}/mod_${m}.so`),
      'TypesConfig /etc/mime.types',
      `DocumentRoot ${join(root, 'htdocs')}`,
      `ScriptAlias /protected/whoami ${join(root, 'whoami.cgi')}`,
      // The recipe of docs/relying-parties.md.
      `OIDCProviderMetadataURL ${issuer}/.well-known/openid-configuration`,
      `OIDCClientID ${clientId}`,
      `OIDCClientSecret ${clientSecret}`,
      `OIDCRedirectURI ${redirectUri}`,
      `OIDCCryptoPassphrase ${clientSecret}-passphrase`,
      'OIDCScope "openid email profile offline_access"',
      ...(pkce ? ['OIDCPKCEMethod S256'] : []),
      'OIDCRemoteUserClaim email',
      'OIDCInfoHook iat access_token_expires userinfo',
      '<Location /protected>',
      '  AuthType openid-connect',
      '  Require valid-user',
      // Not the recipe's: the test's browser is fetch, which marks every request Sec-Fetch-Mode:
      // cors, and the module sends only navigations to the provider. Judge by Accept instead.
      '  OIDCUnAuthAction 401 "%{HTTP_ACCEPT} !~ m#text/html#"',
      '</Location>',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(APACHE, ['-f', join(root, 'httpd.conf'), '-DFOREGROUND'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errors = () => readFile(join(root, 'logs', 'error.log'), 'utf8').catch(() => '').then((log) => `${stderr}${log}`);
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    await rm(root, { recursive: true, force: true });
  };
  // Ready when it answers: the module sends a stranger to Latchkey.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await fetch(`${url}/loggedout.html`).then((r) => r.status, () => 0);
    if (answer === 200) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = await errors();
      await stop();
      throw new Error(`apache2 did not start: ${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, redirectUri, errors, stop };
}
