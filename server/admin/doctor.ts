// `latchkey doctor`, the inside half (GET /admin/doctor): what Latchkey can see of its own
// deployment, judged by a pure function of those facts (assess) so every rule is tested with data.
// The CLI adds what only the outside sees (the issuer URL answering, discovery behind the proxy).
import type { ClientMetadata } from 'oidc-provider';
import { estimatedBits, MIN_SECRET_BITS } from '../../config/entropy.ts';
import type { StoreDiagnostics } from '../store/types.ts';
import { clientProblems } from '../clients/policy.ts';

export type Level = 'ok' | 'warning' | 'error';

export interface Finding {
  level: Level;
  check: string;
  /** What is the matter, in words. */
  message: string;
  /** What to do about it. */
  fix?: string;
}

export interface DoctorFacts {
  production: boolean;
  issuer: string;
  store: StoreDiagnostics;
  /** Epoch ms when the facts were gathered. */
  now: number;
  adminToken?: string;
  keys: { kid: string; alg: string; state: string; createdAt: number }[];
  rotationSchedule?: string;
  /** How long a key signs before the next takes over, ms. */
  rotationIntervalMs: number;
  clients: { clientId: string; metadata: ClientMetadata }[];
  /** More clients than were read. */
  clientsTruncated: boolean;
}

const DAY = 86_400_000;
const EVICTING_ANY = /^allkeys-/;
const EVICTING_EXPIRING = /^volatile-/;

function storeFindings(s: StoreDiagnostics, production: boolean): Finding[] {
  if (s.kind === 'memory') {
    return [{ level: production ? 'error' : 'warning', check: 'store', message: 'the in-memory store: users, clients, keys, sessions and tokens vanish on restart', fix: 'set REDIS_URL (or REDIS_SENTINELS / REDIS_CLUSTER_NODES)' }];
  }
  const out: Finding[] = [];
  if (!s.aof) {
    out.push({
      level: 'warning',
      check: 'redis persistence',
      message: s.rdb ? 'AOF is off: a crash loses everything written since the last RDB snapshot (sessions, tokens, used codes)' : 'neither AOF nor RDB snapshots: a restart loses everything',
      fix: 'appendonly yes, appendfsync everysec (or always, for no replay window on used codes and refresh tokens)',
    });
  } else if (s.appendfsync === 'no') {
    out.push({ level: 'warning', check: 'redis persistence', message: 'appendfsync no: the OS decides when the AOF reaches the disk (tens of seconds may be lost)', fix: 'appendfsync everysec, or always' });
  } else {
    out.push({ level: 'ok', check: 'redis persistence', message: `AOF on${s.appendfsync ? `, appendfsync ${s.appendfsync}` : ''}` });
  }
  const policy = s.maxmemoryPolicy;
  if (policy && EVICTING_ANY.test(policy)) {
    out.push({ level: 'error', check: 'redis eviction', message: `maxmemory-policy ${policy}: when full, Redis may evict users, clients and signing keys`, fix: 'maxmemory-policy noeviction (and enough memory, or maxmemory 0)' });
  } else if (policy && EVICTING_EXPIRING.test(policy)) {
    out.push({ level: 'warning', check: 'redis eviction', message: `maxmemory-policy ${policy}: when full, Redis evicts live sessions, tokens and consumed markers (a used code could be replayed)`, fix: 'maxmemory-policy noeviction' });
  } else if (policy) {
    out.push({ level: 'ok', check: 'redis eviction', message: `maxmemory-policy ${policy}` });
  }
  if (s.serverTimeMs !== undefined && s.readAtMs !== undefined) {
    const skew = Math.abs(s.serverTimeMs - s.readAtMs);
    if (skew > 30_000) out.push({ level: 'error', check: 'clock', message: `this machine's clock and Redis's differ by ${Math.round(skew / 1000)} s: expiries and rotations go wrong`, fix: 'run NTP (chrony, systemd-timesyncd) on every host' });
    else if (skew > 2_000) out.push({ level: 'warning', check: 'clock', message: `this machine's clock and Redis's differ by ${Math.round(skew / 1000)} s`, fix: 'run NTP on every host' });
    else out.push({ level: 'ok', check: 'clock', message: `within ${skew} ms of Redis` });
  }
  return out;
}

function keyFindings(f: DoctorFacts): Finding[] {
  const out: Finding[] = [];
  const current = f.keys.filter((k) => k.state === 'current');
  if (current.length === 0) out.push({ level: 'error', check: 'signing keys', message: 'no key is signing', fix: 'latchkey keys rotate --now' });
  const oldest = current.reduce((age, k) => Math.max(age, f.now - k.createdAt), 0);
  if (!f.rotationSchedule) {
    out.push({ level: 'warning', check: 'key rotation', message: 'no scheduled rotation (KEY_ROTATION_SCHEDULE=off): signing keys never change by themselves', fix: 'set KEY_ROTATION_SCHEDULE, e.g. "0 3 * * 1"' });
  } else if (oldest > f.rotationIntervalMs * 2 + DAY) {
    out.push({ level: 'warning', check: 'key rotation', message: `the signing key is ${Math.round(oldest / DAY)} days old although rotation is scheduled`, fix: 'look for "scheduled key rotation failed" in the log; latchkey keys list' });
  } else {
    out.push({ level: 'ok', check: 'key rotation', message: `signing keys at most ${Math.round(oldest / DAY)} days old, rotation ${f.rotationSchedule}` });
  }
  return out;
}

export function assess(f: DoctorFacts): Finding[] {
  const out: Finding[] = [...storeFindings(f.store, f.production), ...keyFindings(f)];
  if (!f.issuer.startsWith('https://')) {
    out.push({ level: f.production ? 'error' : 'warning', check: 'issuer', message: `the issuer ${f.issuer} is not https: cookies and tokens travel in the clear`, fix: 'ISSUER=https://… behind TLS' });
  }
  if (f.adminToken !== undefined && estimatedBits(f.adminToken) < MIN_SECRET_BITS) {
    out.push({ level: 'error', check: 'admin token', message: 'ADMIN_TOKEN has too little variety to be safe', fix: 'ADMIN_TOKEN=$(openssl rand -hex 32)' });
  } else if (f.adminToken !== undefined) {
    out.push({ level: 'ok', check: 'admin token', message: 'strong enough' });
  }
  const insecure = f.clients.flatMap(({ clientId, metadata }) => clientProblems(metadata, { production: true }).filter((p) => p.includes('plain http')).map((p) => `${clientId}: ${p}`));
  for (const problem of insecure) {
    out.push({ level: f.production ? 'error' : 'warning', check: 'client redirect URIs', message: problem, fix: 'register https URIs (plain http only on loopback)' });
  }
  if (insecure.length === 0) out.push({ level: 'ok', check: 'client redirect URIs', message: `no plain-http redirect URI off loopback${f.clientsTruncated ? ' (among the first clients read)' : ''}` });
  return out;
}
