// latchkey token inspect TOKEN (or - to read it from stdin, out of the shell's history): what the
// server knows about a token, and whether it works or exactly why not (server/admin/token-inspect.ts).
// The token is sent in a POST body and never printed back.
import type { Command } from 'commander';
import type { Inspection } from '../admin/token-inspect.ts';
import { leaf, type CommandContext } from './context.ts';
import { date } from './format.ts';
import { oneLine } from './io.ts';

async function readStdin(io: CommandContext['io']): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) text += chunk.toString();
  return text.trim();
}

function describe(i: Inspection): string {
  const rows: [string, string | undefined][] = [
    ['kind', `${i.kind.replace('_', ' ')} (${i.format})`],
    ['active', i.active ? 'yes' : `no: ${i.reason ?? 'unknown'}`],
    ['client', i.clientId],
    ['account', i.account],
    ['scopes', i.scopes?.join(' ') || undefined],
    ['audience', Array.isArray(i.audience) ? i.audience.join(' ') : i.audience],
    ['issued', i.issuedAt ? date(i.issuedAt) : undefined],
    ['expires', i.expiresAt ? date(i.expiresAt) : undefined],
    ['key', i.keyId],
    ['known from', i.source],
  ];
  return rows
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k.padEnd(10)} ${oneLine(v!)}`)
    .join('\n');
}

export function registerTokens(program: Command, cli: CommandContext): void {
  const token = program.command('token').description('look into tokens');
  leaf(token, 'inspect', 'what the server knows about a token, and why it works or does not (the token is never printed)')
    .argument('<token>', 'the token, or - to read it from stdin')
    .action(async (value: string, options: { json?: boolean }) => {
      const api = await cli.api();
      const given = value === '-' ? await readStdin(cli.io) : value;
      const body = (await api.request('POST', 'tokens/inspect', { token: given })) as Inspection;
      cli.print(options.json, body, () => describe(body));
    });
}
