// oidc-provider's registration events (docs/events.md of the library: registration_create,
// registration_update, registration_delete .success), as audit events. Attached to every
// Provider built, beside provider-events.ts.
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditEvent } from './catalogue.ts';
import type { Auditor, RequestLike } from './context.ts';
import { presentedInitialAccessToken } from '../provider/internals.ts';

type RegisteredClient = { clientId: string; metadata(): Record<string, unknown> };

const strings = (value: unknown, max: number) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').slice(0, max) : []);

export function auditRegistrationEvents(provider: Provider, { record, hashId, envelope }: Auditor): void {
  const base = (ctx: KoaContextWithOIDC, client: RegisteredClient) => ({
    version: 1 as const,
    ...envelope(ctx as unknown as RequestLike),
    actor: { kind: 'client' as const, clientId: client.clientId },
    client: client.clientId,
  });
  provider.on('registration_create.success', (ctx: KoaContextWithOIDC, client: RegisteredClient) => {
    const metadata = client.metadata();
    const iat = presentedInitialAccessToken(ctx);
    record({
      type: 'client.registered',
      ...base(ctx, client),
      public: metadata.token_endpoint_auth_method === 'none',
      grantTypes: strings(metadata.grant_types, 16),
      redirectUris: strings(metadata.redirect_uris, 32),
      pkceOptional: metadata.pkce === 'optional',
      ...(iat ? { initialTokenIdHash: hashId('token', iat.jti) } : {}),
    } as AuditEvent);
  });
  provider.on('registration_update.success', (ctx: KoaContextWithOIDC, client: RegisteredClient) => {
    record({ type: 'client.registration_updated', ...base(ctx, client), redirectUris: strings(client.metadata().redirect_uris, 32) } as AuditEvent);
  });
  provider.on('registration_delete.success', (ctx: KoaContextWithOIDC, client: RegisteredClient) => {
    record({ type: 'client.registration_deleted', ...base(ctx, client) } as AuditEvent);
  });
}
