// latchkey apis add | list | remove
import { Option, type Command } from 'commander';
import type { ApiView } from '../apis/registry.ts';
import { collect, leaf, morePages, paged, pageQuery, type CommandContext, type PageOptions } from './context.ts';
import { date, table } from './format.ts';
import { CliError } from './io.ts';

interface ApiBody {
  api: ApiView;
}
interface ApisBody {
  apis: ApiView[];
  next?: string;
}

interface AddOptions {
  json?: boolean;
  identifier: string;
  name?: string;
  scope: string[];
  format?: 'jwt' | 'opaque';
  ttl?: string;
}

/** NAME or NAME=plain words for the consent page (split at the first `=`). */
function scopeOf(option: string): { name: string; description?: string } {
  const at = option.indexOf('=');
  if (at < 0) return { name: option };
  const description = option.slice(at + 1).trim();
  return { name: option.slice(0, at), ...(description === '' ? {} : { description }) };
}

/** The body `apis add` sends; exported for tests. */
export function apiDefinition(options: AddOptions): Record<string, unknown> {
  let ttl: number | undefined;
  if (options.ttl !== undefined) {
    ttl = Number(options.ttl);
    if (!/^\d+$/.test(options.ttl) || ttl <= 0) throw new CliError(`--ttl must be a positive number of seconds (got ${options.ttl})`);
  }
  return {
    identifier: options.identifier,
    ...(options.name === undefined ? {} : { name: options.name }),
    scopes: options.scope.map(scopeOf),
    ...(options.format === undefined ? {} : { accessTokenFormat: options.format }),
    ...(ttl === undefined ? {} : { accessTokenTTL: ttl }),
  };
}

export function registerApis(program: Command, cli: CommandContext): void {
  const apis = program.command('apis').description('manage APIs (resource servers) clients may get access tokens for');

  leaf(apis, 'add', 'register an API; clients get tokens for it only once allowed (clients add --resource)')
    .requiredOption('--identifier <uri>', 'the API identifier (RFC 8707 resource indicator): the audience of its tokens')
    .option('--name <name>', 'name shown on the consent page')
    .option('--scope <scope>', 'a scope the API defines, as NAME or NAME=plain words for the consent page (repeatable)', collect, [])
    .addOption(new Option('--format <format>', 'access token format (default jwt, RFC 9068)').choices(['jwt', 'opaque']))
    .option('--ttl <seconds>', 'access token lifetime (default ACCESS_TOKEN_TTL)')
    .action(async (options: AddOptions) => {
      const definition = apiDefinition(options);
      const body = (await (await cli.api()).request('POST', 'apis', definition)) as ApiBody;
      cli.print(options.json, body, () => `created API ${body.api.identifier}`);
    });

  paged(leaf(apis, 'list', 'list APIs (RESOURCE_SERVERS and stored), by identifier')).action(async (options: { json?: boolean } & PageOptions) => {
    const body = (await (await cli.api()).request('GET', `apis${pageQuery(options)}`)) as ApisBody;
    cli.print(options.json, body, () =>
      body.apis.length === 0
        ? 'no APIs'
        : `${table(
            ['IDENTIFIER', 'NAME', 'FORMAT', 'TTL', 'SOURCE', 'CREATED', 'SCOPES'],
            body.apis.map((api) => [
              api.identifier,
              api.name,
              api.accessTokenFormat,
              api.accessTokenTTL === undefined ? 'default' : `${api.accessTokenTTL}s`,
              api.source,
              date(api.createdAt),
              api.scopes.map((scope) => scope.name).join(' '),
            ]),
          )}${morePages('latchkey apis list', body.next)}`,
    );
  });

  leaf(apis, 'remove', 'delete an API; clients can no longer get tokens for it')
    .requiredOption('--identifier <uri>', 'the API identifier')
    .action(async (options: { json?: boolean; identifier: string }) => {
      await (await cli.api()).request('DELETE', `apis/${encodeURIComponent(options.identifier)}`);
      cli.print(options.json, { identifier: options.identifier, removed: true }, () => `removed API ${options.identifier}`);
    });
}
