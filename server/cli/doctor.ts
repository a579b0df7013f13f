// latchkey doctor: checks a deployment from the inside (GET /admin/doctor: Redis persistence and
// eviction, clocks, keys and rotation, clients' redirect URIs, the admin token) and from the
// outside, as a relying party sees it: the issuer answers, over TLS when it says https, and its
// discovery document names itself and endpoints under itself (a proxy that drops
// X-Forwarded-Proto, or a wrong ISSUER, shows here). Exit code 1 when anything is an error.
import type { Command } from 'commander';
import type { Finding } from '../admin/doctor.ts';
import { leaf, type CommandContext } from './context.ts';
import { CliError, oneLine } from './io.ts';

const MARK = { ok: 'ok   ', warning: 'warn ', error: 'ERROR' } as const;

async function fromOutside(issuer: string, fetchImpl: typeof fetch): Promise<Finding[]> {
  const out: Finding[] = [];
  const discovery = `${issuer}/.well-known/openid-configuration`;
  let metadata: Record<string, unknown>;
  try {
    const res = await fetchImpl(discovery, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`it answered ${res.status}`);
    metadata = (await res.json()) as Record<string, unknown>;
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    return [{ level: 'error', check: 'issuer answers', message: `${discovery} cannot be read: ${why}`, fix: issuer.startsWith('https://') ? 'check DNS, the TLS certificate (its name and chain) and the proxy in front of Latchkey' : 'check that Latchkey listens where ISSUER says' }];
  }
  out.push({ level: 'ok', check: 'issuer answers', message: `${discovery}${issuer.startsWith('https://') ? ' over TLS' : ''}` });
  if (metadata.issuer !== issuer) {
    out.push({ level: 'error', check: 'discovery', message: `the discovery document names the issuer ${String(metadata.issuer)}, not ${issuer}: relying parties refuse that`, fix: 'set ISSUER to the public URL people use' });
  }
  const endpoints = ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint'].map((name) => [name, metadata[name]] as const);
  const elsewhere = endpoints.filter(([, url]) => typeof url !== 'string' || !url.startsWith(`${issuer}/`));
  if (elsewhere.length) {
    out.push({
      level: 'error',
      check: 'endpoints behind the proxy',
      message: `${elsewhere.map(([name, url]) => `${name} is ${String(url)}`).join('; ')}: not under ${issuer}`,
      fix: 'behind a proxy, set TRUST_PROXY=true (and TRUST_PROXY_HOPS) so X-Forwarded-Proto and the host are honoured',
    });
  } else {
    out.push({ level: 'ok', check: 'endpoints behind the proxy', message: `every endpoint is under ${issuer}` });
  }
  try {
    const jwks = (await (await fetchImpl(String(metadata.jwks_uri), { signal: AbortSignal.timeout(10_000) })).json()) as { keys?: unknown[] };
    out.push(jwks.keys?.length ? { level: 'ok', check: 'jwks', message: `${jwks.keys.length} keys published` } : { level: 'error', check: 'jwks', message: 'the JWKS publishes no key', fix: 'latchkey keys list' });
  } catch (err) {
    out.push({ level: 'error', check: 'jwks', message: `the JWKS cannot be read: ${(err as Error).message}` });
  }
  return out;
}

export function registerDoctor(program: Command, cli: CommandContext): void {
  leaf(program, 'doctor', 'check this deployment, inside and out, and say what to do')
    .option('--issuer <url>', 'the public URL to check from outside (default: the ISSUER the server reports)')
    .action(async (options: { json?: boolean; issuer?: string }) => {
      const inside = (await (await cli.api()).request('GET', 'doctor')) as { issuer: string; findings: Finding[] };
      const issuer = (options.issuer ?? inside.issuer).replace(/\/$/, '');
      const findings = [...(await fromOutside(issuer, cli.io.fetch ?? fetch)), ...inside.findings];
      cli.print(options.json, { issuer, findings }, () =>
        findings.map((f) => `${MARK[f.level]}  ${f.check}: ${oneLine(f.message)}${f.fix && f.level !== 'ok' ? `\n       → ${oneLine(f.fix)}` : ''}`).join('\n'),
      );
      const errors = findings.filter((f) => f.level === 'error').length;
      if (errors) throw new CliError(`${errors} ${errors === 1 ? 'problem' : 'problems'} to fix (marked ERROR above)`);
    });
}
