// The audit side of a refused browser request (observability/refusals.ts logs every refusal): a
// person who lands on an error page quotes its request id, and the trail keeps what the page did
// not say. Only the front channel, where a person is sent: back-channel refusals (a wrong client
// secret at the token endpoint) are the client's to see in its response and the log's to keep.
import { z } from 'zod';
import { defineEvent } from './define.ts';
import { actorOf, clientId, resource } from './fields.ts';

export const FRONT_CHANNEL_ROUTES = ['authorization', 'end_session', 'end_session_confirm', 'code_verification', 'device_resume'] as const;

export const requestRefused = defineEvent('request.refused', 1, {
  summary: 'A request a browser brought (sign-in, sign-out, device confirmation) was refused with an OAuth error: shown on an error page, or sent back to the app.',
  audience: 'operator',
  source: 'oidc-provider `authorization.error`, `end_session.error`, `end_session_confirm.error`, `code_verification.error`, `device_resume.error` (server/observability/refusals.ts); not for a store outage (`temporarily_unavailable`, logged once per outage) nor for the protocol’s routine answers (`login_required` to `prompt=none`, `authorization_pending`, …)',
  actor: actorOf('client', 'anonymous'),
  fields: {
    route: z.enum(FRONT_CHANNEL_ROUTES).describe('The endpoint that refused it (oidc-provider’s route name)'),
    client: clientId.optional().describe('The client the request named, when it exists'),
    error: z.string().regex(/^[a-z_]+$/).max(64).describe('The OAuth error code, as the page or the app was told (`invalid_redirect_uri`, `invalid_client`, …)'),
    description: z.string().max(512).optional().describe('oidc-provider’s description, written for the app’s developers (the page says it in plain words instead)'),
    detail: z.string().max(512).optional().describe('What oidc-provider adds for the operator only (`client not found`, say)'),
    redirectUri: z.string().min(1).max(2048).optional().describe('The redirect_uri (or post_logout_redirect_uri) the request named, registered or not'),
    resource: resource.optional().describe('The resource indicator the request named (RFC 8707)'),
  },
});
