// /admin/clients: register, list and remove OAuth clients. The body is oidc-provider client
// metadata (snake_case). The fields the CLI sets are typed here; everything else is passed
// through to the registry, whose validator (oidc-provider's own rules) has the last word. The
// APIs a client is allowed (allowed_resources) or serves (serves_resources) must be registered,
// and the scopes it is allowed must be the API's: a typo would otherwise grant nothing, silently.
import type { Router } from '@koa/router';
import type { ClientMetadata } from 'oidc-provider';
import { z } from 'zod';
import { resourceIdentifier, SIGNING_ALGS } from '../../config/schema.ts';
import type { ApiRegistry } from '../apis/registry.ts';
import type { ClientRegistry } from '../clients/registry.ts';
import type { Revocation } from '../provider/revocation.ts';
import { scopesOf } from '../provider/resource-access.ts';
import { PKCE_POLICIES } from '../provider/pkce-policy.ts';
import type { AdminRecord } from './audit-events.ts';
import { readBody } from './body.ts';
import { readPage } from './paging.ts';
import { invalidRequest, notFound } from './errors.ts';

const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'attest_jwt_client_auth',
  'none',
] as const;
const RESPONSE_TYPES = [
  'code',
  'id_token',
  'code id_token',
  'id_token token',
  'code token',
  'code id_token token',
  'none',
] as const;
// Metadata names are snake_case, optionally with a language tag (client_name#fr-CA).
const METADATA_KEY = /^[a-z][a-z0-9_]*(#[A-Za-z0-9-]+)?$/;

const uris = z.array(z.string().min(1).max(2000)).max(50);

const ClientBody = z
  .looseObject({
    // Printable ASCII keeps ids safe in URLs, terminals and logs.
    client_id: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
    client_secret: z.string().min(1).max(512).optional(),
    client_name: z.string().trim().min(1).max(200).optional(),
    token_endpoint_auth_method: z.enum(AUTH_METHODS).optional(),
    redirect_uris: uris.optional(),
    post_logout_redirect_uris: uris.optional(),
    grant_types: z.array(z.string().min(1).max(200)).max(20).optional(),
    response_types: z.array(z.enum(RESPONSE_TYPES)).max(10).optional(),
    scope: z.string().max(2000).optional(),
    allowed_resources: z.record(resourceIdentifier, z.string().max(2000)).optional(),
    serves_resources: z.array(resourceIdentifier).max(50).optional(),
    // The algorithm of this client's ID tokens; ID_TOKEN_SIGNING_ALG when absent.
    id_token_signed_response_alg: z.enum(SIGNING_ALGS).optional(),
    // "optional": a confidential client may leave PKCE out of OpenID requests that carry a nonce.
    pkce: z.enum(PKCE_POLICIES).optional(),
    // true: every sign-in to this client needs a second factor (provider/mfa-client-policy.ts).
    require_mfa: z.boolean().optional(),
    // private_key_jwt: the client's public keys, inline or where Latchkey fetches them.
    jwks: z.looseObject({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(20) }).optional(),
    jwks_uri: z.string().min(1).max(2000).optional(),
    backchannel_logout_uri: z.string().min(1).max(2000).optional(),
  })
  .superRefine((body, ctx) => {
    for (const key of Object.keys(body)) {
      if (!METADATA_KEY.test(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'not a client metadata name' });
      }
    }
    // The registry would silently drop it; an operator who sent one should hear it was ignored.
    if (body.client_secret !== undefined && body.token_endpoint_auth_method === 'none') {
      ctx.addIssue({ code: 'custom', path: ['client_secret'], message: 'a public client has no secret' });
    }
    if (body.client_secret !== undefined && body.token_endpoint_auth_method === 'private_key_jwt') {
      ctx.addIssue({ code: 'custom', path: ['client_secret'], message: 'a private_key_jwt client authenticates with its keys, not a secret' });
    }
  });

async function checkApis(body: z.output<typeof ClientBody>, apis: ApiRegistry): Promise<void> {
  for (const [identifier, scopes] of Object.entries(body.allowed_resources ?? {})) {
    const api = await apis.get(identifier);
    if (!api) throw invalidRequest(`allowed_resources: no API ${identifier} is registered (latchkey apis add)`);
    const defined = new Set(api.scopes.map((scope) => scope.name));
    const unknown = scopesOf(scopes).filter((scope) => !defined.has(scope));
    if (unknown.length > 0) throw invalidRequest(`allowed_resources: ${identifier} has no scope ${unknown.join(', ')}`);
  }
  for (const identifier of body.serves_resources ?? []) {
    if (!(await apis.get(identifier))) throw invalidRequest(`serves_resources: no API ${identifier} is registered (latchkey apis add)`);
  }
}

export function clientRoutes(router: Router, clients: ClientRegistry, apis: ApiRegistry, revocation: Revocation, record: AdminRecord = () => {}): void {
  router.get('/clients', async (ctx) => {
    const { clients: page, next } = await clients.list(readPage(ctx));
    ctx.body = { clients: page, ...(next === undefined ? {} : { next }) };
  });

  router.post('/clients', async (ctx) => {
    const body = readBody(ctx, ClientBody);
    await checkApis(body, apis);
    const metadata: ClientMetadata = body;
    // `secret` is present only when the registry generated it: this response is the one time
    // it is shown. A secret the caller supplied is never echoed back.
    const { client, secret } = await clients.add(metadata);
    record(ctx, {
      type: 'client.created',
      client: client.clientId,
      public: metadata.token_endpoint_auth_method === 'none',
      grantTypes: (metadata.grant_types ?? ['authorization_code', 'refresh_token']).slice(0, 16),
      redirectUris: (metadata.redirect_uris ?? []).slice(0, 32),
    });
    ctx.status = 201;
    ctx.body = secret === undefined ? { client } : { client, secret };
  });

  router.delete('/clients/:id', async (ctx) => {
    const id = ctx.params.id ?? '';
    if (!(await clients.remove(id))) throw notFound(`no client with id ${id}`);
    // Everything people granted the app ends with it: its grants and the tokens of each.
    await revocation.client(id);
    record(ctx, { type: 'client.removed', client: id });
    ctx.status = 204;
  });
}
