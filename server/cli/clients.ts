// latchkey clients add | list | remove | registration-token
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { SIGNING_ALGS } from '../../config/schema.ts';
import type { ClientView } from '../clients/registry.ts';
import { collect, leaf, morePages, paged, pageQuery, type CommandContext, type PageOptions } from './context.ts';
import { date, table } from './format.ts';

interface ClientBody {
  client: ClientView;
  secret?: string;
}
interface ClientsBody {
  clients: ClientView[];
  next?: string;
}

interface AddOptions {
  json?: boolean;
  id: string;
  name?: string;
  public?: boolean;
  secret?: string;
  redirectUri: string[];
  postLogoutRedirectUri: string[];
  grantType: string[];
  scope?: string;
  resource: string[];
  serves: string[];
  authMethod?: string;
  jwks?: Record<string, unknown>;
  jwksUri?: string;
  idTokenAlg?: string;
  pkce?: string;
  backchannelLogoutUri?: string;
}

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;

/** --jwks: a JWK Set as JSON, or @FILE holding one. */
export function parseJwks(value: string): Record<string, unknown> {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch (error) {
      throw new InvalidArgumentError(`cannot read ${value.slice(1)}: ${(error as Error).message}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('expected a JWK Set as JSON ({"keys":[…]}) or @FILE');
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { keys?: unknown }).keys)) {
    throw new InvalidArgumentError('expected a JWK Set: {"keys":[…]}');
  }
  return parsed as Record<string, unknown>;
}

const DEFAULT_GRANTS = ['authorization_code', 'refresh_token'];

/** --resource URI[=scope scope]: split at the first `=`; the same URI twice adds up. */
export function allowedResources(options: string[]): Record<string, string> {
  const allowed: Record<string, string[]> = {};
  for (const option of options) {
    const at = option.indexOf('=');
    const identifier = at < 0 ? option : option.slice(0, at);
    const scopes = at < 0 ? [] : option.slice(at + 1).split(/\s+/).filter(Boolean);
    allowed[identifier] = [...new Set([...(allowed[identifier] ?? []), ...scopes])];
  }
  return Object.fromEntries(Object.entries(allowed).map(([identifier, scopes]) => [identifier, scopes.join(' ')]));
}

/** The oidc-provider metadata `clients add` sends; exported for tests. */
export function clientMetadata(options: AddOptions): Record<string, unknown> {
  const grants = options.grantType.length > 0 ? options.grantType : DEFAULT_GRANTS;
  return {
    client_id: options.id,
    ...(options.name === undefined ? {} : { client_name: options.name }),
    ...(options.public ? { token_endpoint_auth_method: 'none' } : {}),
    ...(options.authMethod === undefined ? {} : { token_endpoint_auth_method: options.authMethod }),
    ...(options.jwks === undefined ? {} : { jwks: options.jwks }),
    ...(options.jwksUri === undefined ? {} : { jwks_uri: options.jwksUri }),
    ...(options.idTokenAlg === undefined ? {} : { id_token_signed_response_alg: options.idTokenAlg }),
    ...(options.pkce === undefined ? {} : { pkce: options.pkce }),
    // With the session's sid in every logout token, so the app can end just that session.
    ...(options.backchannelLogoutUri === undefined ? {} : { backchannel_logout_uri: options.backchannelLogoutUri, backchannel_logout_session_required: true }),
    ...(options.secret === undefined ? {} : { client_secret: options.secret }),
    ...(options.redirectUri.length > 0 ? { redirect_uris: options.redirectUri } : {}),
    ...(options.postLogoutRedirectUri.length > 0 ? { post_logout_redirect_uris: options.postLogoutRedirectUri } : {}),
    grant_types: grants,
    // oidc-provider requires response types to match the grants: code only with authorization_code.
    response_types: grants.includes('authorization_code') ? ['code'] : [],
    ...(options.scope === undefined ? {} : { scope: options.scope }),
    ...(options.resource.length > 0 ? { allowed_resources: allowedResources(options.resource) } : {}),
    ...(options.serves.length > 0 ? { serves_resources: [...new Set(options.serves)] } : {}),
  };
}

/** allowed_resources as the list shows it: URI=scope,scope per API. */
function resourcesOf(metadata: ClientView['metadata']): string {
  const allowed = (metadata.allowed_resources ?? {}) as Record<string, string>;
  return Object.entries(allowed)
    .map(([identifier, scopes]) => (scopes === '' ? identifier : `${identifier}=${scopes.split(' ').join(',')}`))
    .join(' ');
}

function describeAdded(body: ClientBody): string {
  const kind = body.client.metadata.token_endpoint_auth_method === 'none' ? 'public client' : 'client';
  const lines = [`created ${kind} ${body.client.clientId}`];
  if (body.secret !== undefined) {
    lines.push(`client secret: ${body.secret}`, 'This secret cannot be shown again; store it now.');
  }
  return lines.join('\n');
}

export function registerClients(program: Command, cli: CommandContext): void {
  const clients = program.command('clients').description('manage OAuth clients');

  leaf(clients, 'add', 'register a client (confidential unless --public; a secret is generated unless --secret)')
    .requiredOption('--id <id>', 'client_id')
    .option('--name <name>', 'client_name shown on the consent page')
    .option('--public', 'public client (SPA, native app): no secret, PKCE')
    .addOption(new Option('--secret <secret>', 'use this secret instead of a generated one').conflicts('public'))
    .option('--redirect-uri <uri>', 'allowed redirect URI (repeatable)', collect, [])
    .option('--post-logout-redirect-uri <uri>', 'allowed post-logout redirect URI (repeatable)', collect, [])
    .option('--grant-type <type>', 'grant type (repeatable; default authorization_code and refresh_token)', collect, [])
    .option('--scope <scopes>', 'space-separated scopes the client may request')
    .option('--resource <uri[=scopes]>', 'an API the client may get tokens for, with the space-separated scopes allowed there (repeatable; none by default)', collect, [])
    .option('--serves <uri>', 'an API this client is the credentials of: it may introspect tokens issued for it (repeatable)', collect, [])
    .addOption(new Option('--auth-method <method>', 'how the client authenticates at the token endpoint (default client_secret_basic)').choices(AUTH_METHODS).conflicts('public'))
    .addOption(new Option('--jwks <json|@file>', 'private_key_jwt: the client\'s public keys, a JWK Set').argParser(parseJwks).conflicts('jwksUri'))
    .option('--jwks-uri <uri>', 'private_key_jwt: where Latchkey fetches the client\'s public keys')
    .addOption(new Option('--id-token-alg <alg>', 'ID token signing algorithm (default ID_TOKEN_SIGNING_ALG, RS256)').choices(SIGNING_ALGS))
    .addOption(new Option('--pkce <policy>', 'optional: a confidential client may sign in without PKCE, with a nonce (RFC 9700 §2.1.1)').choices(['required', 'optional']).conflicts('public'))
    .option('--backchannel-logout-uri <uri>', 'where Latchkey tells the app that a session ended (OIDC Back-Channel Logout)')
    .action(async (options: AddOptions) => {
      const body = (await (await cli.api()).request('POST', 'clients', clientMetadata(options))) as ClientBody;
      cli.print(options.json, body, () => describeAdded(body));
    });

  paged(leaf(clients, 'list', 'list clients, by client_id')).action(async (options: { json?: boolean } & PageOptions) => {
    const body = (await (await cli.api()).request('GET', `clients${pageQuery(options)}`)) as ClientsBody;
    cli.print(options.json, body, () =>
      body.clients.length === 0
        ? 'no clients'
        : `${table(
            ['CLIENT ID', 'NAME', 'BY', 'AUTH', 'GRANTS', 'CREATED', 'APIS', 'SERVES', 'REDIRECT URIS'],
            body.clients.map(({ clientId, metadata, createdAt, registered }) => [
              clientId,
              metadata.client_name,
              registered ? 'registration' : 'admin',
              metadata.token_endpoint_auth_method ?? 'client_secret_basic',
              (metadata.grant_types ?? DEFAULT_GRANTS).join(','),
              date(createdAt),
              resourcesOf(metadata),
              ((metadata.serves_resources ?? []) as string[]).join(' '),
              (metadata.redirect_uris ?? []).join(' '),
            ]),
          )}${morePages('latchkey clients list', body.next)}`,
    );
  });

  leaf(clients, 'registration-token', 'issue an initial access token for dynamic client registration (DYNAMIC_REGISTRATION=true)')
    .option('--ttl <seconds>', 'how long it works (default 86400, one day; 60 to 2592000)', (value) => {
      if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number of seconds');
      return Number(value);
    })
    .option('--reusable', 'may register several clients until it expires (default: one)')
    .action(async (options: { json?: boolean; ttl?: number; reusable?: boolean }) => {
      const body = (await (await cli.api()).request('POST', 'clients/registration-tokens', {
        ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
        ...(options.reusable ? { reusable: true } : {}),
      })) as { token: string; expiresAt: number; reusable: boolean; registrationEndpoint: string };
      cli.print(options.json, body, () =>
        [
          `initial access token: ${body.token}`,
          `registration endpoint: ${body.registrationEndpoint}`,
          `${body.reusable ? 'registers clients' : 'registers one client'} until ${date(body.expiresAt)}`,
          'This token cannot be shown again; hand it to the app now.',
        ].join('\n'),
      );
    });

  leaf(clients, 'remove', 'delete a client; its tokens stop working')
    .requiredOption('--id <id>', 'client_id')
    .action(async (options: { json?: boolean; id: string }) => {
      await (await cli.api()).request('DELETE', `clients/${encodeURIComponent(options.id)}`);
      // The API answers 204 with no body; scripts still get a JSON line to parse.
      cli.print(options.json, { clientId: options.id, removed: true }, () => `removed client ${options.id}`);
    });
}
