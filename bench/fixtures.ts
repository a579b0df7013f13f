// The clients, users and APIs every benchmark target holds, identical on both sides: Latchkey
// receives them through its admin API, the baseline as static configuration. Secrets and
// passwords are generated per run and handed to the baseline in BENCH_FIXTURES.
import { randomBytes } from 'node:crypto';

export const REDIRECT_URI = 'https://rp.bench.test/callback';
export const JWT_API = 'https://api.bench.test';
export const OPAQUE_API = 'https://opaque.bench.test';

/** The same RESOURCE_SERVERS both servers read (config/schema.ts shape). */
export const RESOURCE_SERVERS = JSON.stringify([
  { identifier: JWT_API, scopes: ['read', 'write'] },
  { identifier: OPAQUE_API, scopes: ['read'], accessTokenFormat: 'opaque' },
]);

export interface BenchClient {
  client_id: string;
  client_secret?: string;
  client_name: string;
  redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: 'client_secret_basic' | 'none';
  /** The APIs it may get tokens for, with their scopes (Latchkey's least privilege). */
  allowed_resources?: Record<string, string>;
  /** The APIs whose tokens it may introspect. */
  serves_resources?: string[];
}

export interface BenchUser {
  email: string;
  password: string;
  name: string;
}

export interface Fixtures {
  /** A service: client credentials, allowed both APIs. */
  service: BenchClient;
  /** The opaque API's own client: introspects the tokens issued for it. */
  introspector: BenchClient;
  /** Public clients (SPAs): authorization code + PKCE, refresh tokens. */
  apps: BenchClient[];
  users: BenchUser[];
  /** The account the attack scenario guesses at: no other scenario signs in as it. */
  owner: BenchUser;
}

const confidential = (client_id: string): BenchClient => ({
  client_id,
  client_secret: randomBytes(32).toString('base64url'),
  client_name: client_id,
  redirect_uris: [],
  grant_types: ['client_credentials'],
  response_types: [],
  token_endpoint_auth_method: 'client_secret_basic',
});

export function makeFixtures(options: { apps?: number; users?: number } = {}): Fixtures {
  return {
    service: { ...confidential('bench-service'), allowed_resources: { [JWT_API]: 'read write', [OPAQUE_API]: 'read' } },
    introspector: { ...confidential('bench-resource-server'), serves_resources: [OPAQUE_API] },
    apps: Array.from({ length: options.apps ?? 16 }, (_, i) => ({
      client_id: `bench-spa-${i}`,
      client_name: `Bench SPA ${i}`,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none' as const,
    })),
    users: Array.from({ length: options.users ?? 4 }, (_, i) => ({
      email: `user${i}@bench.test`,
      password: `bench password ${randomBytes(6).toString('hex')}`,
      name: `Bench User ${i}`,
    })),
    owner: { email: 'owner@bench.test', password: `bench password ${randomBytes(6).toString('hex')}`, name: 'Bench Owner' },
  };
}

export function basicAuth(client: BenchClient): string {
  const pair = `${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret ?? '')}`;
  return `Basic ${Buffer.from(pair).toString('base64')}`;
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
