// The client credentials grant (a service asking for a token): an opaque token, and RFC 9068
// JWT access tokens signed with ES256 and with RS256 (SIGNING_ALG, so RS256 runs on its own
// pair of servers).
import { JWT_API, OPAQUE_API } from '../fixtures.ts';
import { measure } from '../load.ts';
import { ratioOf, tokenRequest, type Scenario } from '../scenario.ts';

function clientCredentials(name: string, title: string, params: Record<string, string>, variant?: 'RS256'): Scenario {
  return {
    name,
    title,
    variant,
    async run({ targets, settings, progress }) {
      const rows = await measure(
        name,
        targets,
        async (target) => [
          {
            label: 'token',
            connections: settings.connections,
            requests: [tokenRequest(target.fixtures.service, { grant_type: 'client_credentials', ...params })],
          },
        ],
        settings,
        progress,
      );
      return { unit: 'req/s', rows, ratio: ratioOf(rows), notes: [] };
    },
  };
}

export const clientCredentialsScenarios: Scenario[] = [
  clientCredentials('cc-opaque', 'client_credentials, opaque access token', { resource: OPAQUE_API, scope: 'read' }),
  clientCredentials('cc-jwt-es256', 'client_credentials, JWT access token (RFC 9068), ES256', { resource: JWT_API, scope: 'read write' }),
  clientCredentials('cc-jwt-rs256', 'client_credentials, JWT access token (RFC 9068), RS256', { resource: JWT_API, scope: 'read write' }, 'RS256'),
];
