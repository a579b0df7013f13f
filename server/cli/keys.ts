// latchkey keys list
import type { Command } from 'commander';
import type { KeyView } from '../admin/keys.ts';
import { leaf, type CommandContext } from './context.ts';
import { date, table } from './format.ts';

interface KeysBody {
  keys: KeyView[];
}

export function registerKeys(program: Command, cli: CommandContext): void {
  const keys = program.command('keys').description('inspect signing keys');

  leaf(keys, 'list', 'list signing keys and their rotation state').action(async (options: { json?: boolean }) => {
    const body = (await (await cli.api()).request('GET', 'keys')) as KeysBody;
    cli.print(options.json, body, () =>
      body.keys.length === 0
        ? 'no signing keys yet (they are created when the server first starts)'
        : table(
            ['KID', 'ALG', 'STATE', 'CREATED', 'PROMOTED'],
            body.keys.map((key) => [key.kid, key.alg, key.state, date(key.createdAt), date(key.promotedAt)]),
          ),
    );
  });
}
