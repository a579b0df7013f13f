// Audit events of administration: signing keys, clients, users, and every admin API call.
// Changes name the fields that changed, never their values: a value may be a secret (a client
// secret, a password hash) and the old and new values are in the store anyway.
import { z } from 'zod';
import { defineEvent } from './define.ts';
import { actorOf, clientId, kid, sub } from './fields.ts';

const keyFields = {
  kid,
  alg: z.string().min(1).max(16).describe('`ES256` or `RS256`'),
};
const keySource = 'server/keys/manager.ts, from the rotation plan’s transitions (see key-events.ts)';

export const keyStaged = defineEvent('key.staged', 1, {
  summary: 'A new signing key was published in the JWKS; it does not sign yet.',
  audience: 'operator',
  source: keySource,
  actor: actorOf('system', 'admin'),
  fields: keyFields,
});

export const keyPromoted = defineEvent('key.promoted', 1, {
  summary: 'A published key began signing.',
  audience: 'operator',
  source: keySource,
  actor: actorOf('system', 'admin'),
  fields: { ...keyFields, emergency: z.boolean().describe('Promoted at once (`keys rotate --now`, a revocation), without the pre-publication window') },
});

export const keyRetired = defineEvent('key.retired', 1, {
  summary: 'A key stopped signing; it stays published until what it signed has expired.',
  audience: 'operator',
  source: keySource,
  actor: actorOf('system', 'admin'),
  fields: keyFields,
});

export const keyRemoved = defineEvent('key.removed', 1, {
  summary: 'A retired key was dropped from the JWKS after everything it signed expired, or an unused next key was replaced.',
  audience: 'operator',
  source: keySource,
  actor: actorOf('system', 'admin'),
  fields: keyFields,
});

export const keyRevoked = defineEvent('key.revoked', 1, {
  summary: 'A key was revoked as compromised: gone from the JWKS at once, so tokens it signed stop verifying.',
  audience: 'operator',
  source: 'POST /admin/keys/revoke (server/admin/keys.ts)',
  actor: actorOf('admin'),
  fields: { ...keyFields, wasSigning: z.boolean().describe('Whether it was the current signing key of its algorithm') },
});

export const clientCreated = defineEvent('client.created', 1, {
  summary: 'A client was registered.',
  audience: 'operator',
  source: 'POST /admin/clients; CLIENTS_FILE at start-up (actor system)',
  actor: actorOf('admin', 'system'),
  fields: {
    client: clientId,
    public: z.boolean().describe('A public client (no secret, PKCE only)'),
    grantTypes: z.array(z.string().min(1).max(128)).max(16),
    redirectUris: z.array(z.string().min(1).max(2048)).max(32).describe('Where it may receive codes: the first thing to check after a takeover'),
  },
});

export const clientChanged = defineEvent('client.changed', 1, {
  summary: 'A client’s metadata changed.',
  audience: 'operator',
  source: 'admin API client updates; CLIENTS_FILE at start-up (actor system)',
  actor: actorOf('admin', 'system'),
  fields: {
    client: clientId,
    fields: z.array(z.string().min(1).max(64)).max(64).describe('Names of the metadata fields that changed (never their values)'),
    secretRotated: z.boolean().describe('Whether the client secret changed'),
  },
});

export const clientRemoved = defineEvent('client.removed', 1, {
  summary: 'A client was removed; its grants and tokens stop working.',
  audience: 'operator',
  source: 'DELETE /admin/clients/:id',
  actor: actorOf('admin', 'system'),
  fields: { client: clientId },
});

const userActor = actorOf('admin', 'system', 'account');
const userSource = 'server/admin/users.ts (actor admin); server/dev-seed.ts (actor system)';

export const userCreated = defineEvent('user.created', 1, {
  summary: 'An account was created.',
  audience: 'person',
  source: userSource,
  actor: userActor,
  fields: { account: sub },
});

export const userChanged = defineEvent('user.changed', 1, {
  summary: 'An account’s profile changed.',
  audience: 'person',
  source: userSource,
  actor: userActor,
  fields: {
    account: sub,
    fields: z.array(z.string().min(1).max(64)).max(32).describe('Names of the profile fields that changed, e.g. `email`, `name` (never their values)'),
  },
});

export const userRemoved = defineEvent('user.removed', 1, {
  summary: 'An account was removed.',
  audience: 'operator',
  source: userSource,
  actor: userActor,
  fields: { account: sub },
});

export const userDisabled = defineEvent('user.disabled', 1, {
  summary: 'An account was disabled: no new sign-ins, refreshes or userinfo.',
  audience: 'person',
  source: 'POST /admin/users/disable',
  actor: userActor,
  fields: { account: sub },
});

export const userEnabled = defineEvent('user.enabled', 1, {
  summary: 'A disabled account was enabled again.',
  audience: 'person',
  source: 'POST /admin/users/enable',
  actor: userActor,
  fields: { account: sub },
});

export const userPasswordChanged = defineEvent('user.password_changed', 1, {
  summary: 'An account’s password was set.',
  audience: 'person',
  source: 'POST /admin/users/password (actor admin); a self-service change (actor account)',
  actor: userActor,
  fields: { account: sub },
});

export const ADMIN_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const adminApiCalled = defineEvent('admin.api_called', 1, {
  summary: 'Someone called the admin API, whether or not it let them.',
  audience: 'operator',
  source: 'a middleware around server/admin/index.ts, after the response (401s included)',
  actor: actorOf('admin', 'anonymous'),
  fields: {
    method: z.enum(ADMIN_METHODS),
    path: z.string().min(1).max(512).regex(/^\/[^?#]*$/, 'the path only: no query string').describe('Request path, without the query string'),
    status: z.number().int().min(100).max(599).describe('The response status'),
  },
});
