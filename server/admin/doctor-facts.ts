// Gathers what the doctor judges (doctor.ts): the store's own settings, the signing keys, the
// rotation schedule, the admin token, and the first clients' redirect URIs.
import { Cron } from 'croner';
import type { ClientRegistry } from '../clients/registry.ts';
import type { Keystore } from '../keys/keystore.ts';
import type { Store } from '../store/types.ts';
import type { DoctorFacts } from './doctor.ts';

const CLIENTS_READ = 1000;

export interface FactSources {
  production: boolean;
  issuer: string;
  adminToken?: string;
  rotationSchedule?: string;
  store: Store;
  keystore: Keystore;
  clients: ClientRegistry;
}

export async function gatherFacts(s: FactSources): Promise<DoctorFacts> {
  const [store, keyset, page] = await Promise.all([s.store.diagnostics(), s.keystore.read(), s.clients.list({ limit: CLIENTS_READ })]);
  const runs = s.rotationSchedule ? new Cron(s.rotationSchedule, { timezone: 'UTC', paused: true }).nextRuns(2) : [];
  return {
    production: s.production,
    issuer: s.issuer,
    store,
    now: Date.now(),
    ...(s.adminToken !== undefined ? { adminToken: s.adminToken } : {}),
    keys: (keyset?.keys ?? []).map(({ kid, alg, state, createdAt }) => ({ kid, alg, state, createdAt })),
    ...(s.rotationSchedule ? { rotationSchedule: s.rotationSchedule } : {}),
    rotationIntervalMs: runs.length === 2 ? runs[1]!.getTime() - runs[0]!.getTime() : 0,
    clients: page.clients.map(({ clientId, metadata }) => ({ clientId, metadata })),
    clientsTruncated: page.next !== undefined,
  };
}
