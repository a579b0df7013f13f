// Audit events of dynamic client registration (RFC 7591/7592, provider/registration.ts): the
// initial access tokens an operator issues, and the clients that register, change and delete
// themselves with them. No token is ever a field: a token is named by the hash of its id.
import { z } from 'zod';
import { defineEvent } from './define.ts';
import { actorOf, clientId, idHash } from './fields.ts';

const registrationSource = 'oidc-provider’s registration events (server/audit/registration-events.ts)';

export const registrationTokenIssued = defineEvent('client.registration_token_issued', 1, {
  summary: 'An initial access token for dynamic client registration was issued (`latchkey clients registration-token`).',
  audience: 'operator',
  source: 'POST /admin/clients/registration-tokens (server/admin/registration-tokens.ts)',
  actor: actorOf('admin'),
  fields: {
    tokenIdHash: idHash.describe('Hash of the initial access token’s id, never the token'),
    expiresAt: z.number().int().describe('When it stops working (epoch ms)'),
    reusable: z.boolean().describe('Whether it may register several clients until then (otherwise one)'),
  },
});

export const clientRegistered = defineEvent('client.registered', 1, {
  summary: 'A client registered itself with an initial access token (RFC 7591).',
  audience: 'operator',
  source: registrationSource,
  actor: actorOf('client'),
  fields: {
    client: clientId,
    public: z.boolean().describe('A public client (no secret, PKCE only)'),
    grantTypes: z.array(z.string().min(1).max(128)).max(16),
    redirectUris: z.array(z.string().min(1).max(2048)).max(32).describe('Where it may receive codes'),
    pkceOptional: z.boolean().describe('Whether it registered `pkce: optional` (confidential, OpenID requests with a nonce)'),
    initialTokenIdHash: idHash.optional().describe('Hash of the id of the initial access token it presented'),
  },
});

export const clientRegistrationUpdated = defineEvent('client.registration_updated', 1, {
  summary: 'A registered client changed its metadata with its registration access token (RFC 7592); the token was rotated.',
  audience: 'operator',
  source: registrationSource,
  actor: actorOf('client'),
  fields: {
    client: clientId,
    redirectUris: z.array(z.string().min(1).max(2048)).max(32).describe('Where it may receive codes, after the change'),
  },
});

export const clientRegistrationDeleted = defineEvent('client.registration_deleted', 1, {
  summary: 'A registered client deleted itself with its registration access token (RFC 7592); its grants and tokens stop working.',
  audience: 'operator',
  source: registrationSource,
  actor: actorOf('client'),
  fields: { client: clientId },
});
