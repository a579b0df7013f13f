// latchkey keys list | rotate [--now] | revoke --kid KID | rewrap
import type { Command } from 'commander';
import type { KeyView } from '../admin/keys.ts';
import { leaf, type CommandContext } from './context.ts';
import { date, table } from './format.ts';

interface KeysBody {
  version: number;
  keys: KeyView[];
  clientsRewrapped?: number;
}

function keyTable(body: KeysBody): string {
  if (body.keys.length === 0) return 'no signing keys yet (they are created when the server first starts)';
  return table(
    ['KID', 'ALG', 'STATE', 'CREATED', 'PROMOTED', 'EXPIRES'],
    body.keys.map((key) => [key.kid, key.alg, key.state, date(key.createdAt), date(key.promotedAt), date(key.expiresAt)]),
  );
}

export function registerKeys(program: Command, cli: CommandContext): void {
  const keys = program.command('keys').description('inspect and rotate signing keys');

  leaf(keys, 'list', 'list signing keys and their rotation state').action(async (options: { json?: boolean }) => {
    const body = (await (await cli.api()).request('GET', 'keys')) as KeysBody;
    cli.print(options.json, body, () => keyTable(body));
  });

  leaf(keys, 'rotate', 'publish new next keys now (they sign after the pre-publication window)')
    .option('--now', 'promote the new keys at once (emergencies: relying parties refetch the JWKS on an unknown kid)')
    .action(async (options: { json?: boolean; now?: boolean }) => {
      const body = (await (await cli.api()).request('POST', 'keys/rotate', { now: options.now ?? false })) as KeysBody;
      cli.print(options.json, body, () => `${options.now ? 'new keys sign now' : 'new next keys published'} (keyset version ${body.version})\n${keyTable(body)}`);
    });

  leaf(keys, 'revoke', 'remove a compromised key from the JWKS at once (a replacement signs immediately)')
    .requiredOption('--kid <kid>', 'the key id')
    .action(async (options: { json?: boolean; kid: string }) => {
      const body = (await (await cli.api()).request('POST', 'keys/revoke', { kid: options.kid })) as KeysBody;
      cli.print(options.json, body, () => `revoked ${options.kid}; tokens it signed no longer verify\n${keyTable(body)}`);
    });

  leaf(keys, 'rewrap', 're-encrypt every private key and client secret under the first KEYS_ENCRYPTION_KEY').action(
    async (options: { json?: boolean }) => {
      const body = (await (await cli.api()).request('POST', 'keys/rewrap', {})) as KeysBody;
      cli.print(options.json, body, () => `re-encrypted the signing keys and ${body.clientsRewrapped ?? 0} client secret(s) under the first KEYS_ENCRYPTION_KEY`);
    },
  );
}
