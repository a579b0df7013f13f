// The account console is a first-party app of Latchkey's own issuer: it signs people in with the
// authorization code flow and PKCE like any app, so it takes the same code paths, and it asks for
// no consent (a grant is made for it on the spot, see provider/existing-grant.ts). It is a static
// client: never in the registry, never listed, never removable; its secret is derived from
// KEYS_ENCRYPTION_KEY, so every instance knows it and nobody has to.
import type { ClientMetadata } from 'oidc-provider';
import { derive } from '../crypto/derived-keys.ts';
import { ROUTES } from '../http/routes.ts';

export const CONSOLE_CLIENT_ID = 'latchkey-account';

export function consoleClient(issuer: string, key: Buffer): ClientMetadata {
  return {
    client_id: CONSOLE_CLIENT_ID,
    client_name: 'Your account',
    client_secret: derive(key, 'latchkey account console client secret').toString('base64url'),
    redirect_uris: [`${issuer}${ROUTES.account.path}/callback`],
    post_logout_redirect_uris: [`${issuer}${ROUTES.account.path}/signed-out`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid email profile',
  };
}
