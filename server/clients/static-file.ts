// Clients from a static JSON file (CLIENTS_FILE): an array of oidc-provider client metadata,
// for operators who keep clients in configuration management. Read once at start-up.
import { readFileSync } from 'node:fs';
import type { ClientMetadata } from 'oidc-provider';
import { ConfigError } from '../../config/index.ts';
import { clientProblems, type ClientPolicy } from './policy.ts';

export function readClientsFile(path: string, policy: ClientPolicy): ClientMetadata[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`CLIENTS_FILE: cannot read ${path}: ${(error as Error).message}`]);
  }
  if (!Array.isArray(parsed) || !parsed.every((c) => c && typeof c === 'object' && typeof c.client_id === 'string')) {
    throw new ConfigError([`CLIENTS_FILE: ${path} must hold a JSON array of client metadata objects, each with a client_id`]);
  }
  const problems = (parsed as ClientMetadata[]).flatMap((client) => clientProblems(client, policy).map((p) => `CLIENTS_FILE: client ${client.client_id}: ${p}`));
  if (problems.length) throw new ConfigError(problems);
  return parsed as ClientMetadata[];
}
