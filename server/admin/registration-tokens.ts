// POST /admin/clients/registration-tokens: an initial access token for dynamic client
// registration (RFC 7591, provider/registration.ts), shown in this response only; the store
// keeps it as an HMAC. Single-use unless `reusable`; it expires after `ttl` seconds (a day by
// default, at most thirty).
import type { Router } from '@koa/router';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import { LatchkeyError } from '../errors.ts';
import type { HashId } from '../audit/ids.ts';
import { issueInitialAccessToken } from '../provider/internals.ts';
import { REGISTRATION_POLICY, REUSABLE_POLICY } from '../provider/registration.ts';
import type { AdminRecord } from './audit-events.ts';
import { readBody } from './body.ts';

export const DEFAULT_TTL = 86_400;
const Body = z.strictObject({
  ttl: z.number().int().min(60).max(30 * 86_400).optional(),
  reusable: z.boolean().optional(),
});

export interface RegistrationTokenDeps {
  enabled: boolean;
  provider: () => Provider;
  /** The registration endpoint, for the operator to hand on with the token. */
  endpoint: string;
  hashId?: HashId;
}

export function registrationTokenRoutes(router: Router, deps: RegistrationTokenDeps, record: AdminRecord): void {
  router.post('/clients/registration-tokens', async (ctx) => {
    if (!deps.enabled) throw new LatchkeyError(409, 'registration_disabled', 'dynamic client registration is off; set DYNAMIC_REGISTRATION=true');
    const body = ctx.request.length ? readBody(ctx, Body) : {};
    const reusable = body.reusable ?? false;
    const policies = reusable ? [REGISTRATION_POLICY, REUSABLE_POLICY] : [REGISTRATION_POLICY];
    const { token, expiresAt } = await issueInitialAccessToken(deps.provider(), { expiresIn: body.ttl ?? DEFAULT_TTL, policies });
    if (deps.hashId) record(ctx, { type: 'client.registration_token_issued', tokenIdHash: deps.hashId('token', token), expiresAt, reusable });
    ctx.status = 201;
    ctx.body = { token, expiresAt, reusable, registrationEndpoint: deps.endpoint };
  });
}
