// The `latchkey` command. runCli is the whole CLI minus the process: bin.ts hands it argv and the
// process's streams; tests hand it their own. Every failure is one line on stderr and exit 1.
import { Command, CommanderError } from 'commander';
import { createAdminClient, type AdminClient } from './admin-client.ts';
import { registerApis } from './apis.ts';
import { registerAudit } from './audit.ts';
import { registerTokens } from './tokens.ts';
import { registerDoctor } from './doctor.ts';
import { registerClients } from './clients.ts';
import type { CommandContext } from './context.ts';
import { CliError, oneLine, type CliIo } from './io.ts';
import { registerKeys } from './keys.ts';
import { resolveTarget } from './target.ts';
import { registerUsers } from './users.ts';
import { registerMail } from './mail.ts';

export type { CliIo } from './io.ts';

function buildProgram(io: CliIo): Command {
  let api: Promise<AdminClient> | undefined;
  const context: CommandContext = {
    io,
    api: () => (api ??= resolveTarget(io.env, io.cwd).then((target) => createAdminClient(target, io.fetch ?? fetch))),
    print(json, body, human) {
      io.stdout.write(`${json ? JSON.stringify(body, null, 2) : human()}\n`);
    },
  };

  const program = new Command('latchkey')
    .description(
      'Administer a Latchkey server through its admin API (LATCHKEY_URL and LATCHKEY_ADMIN_TOKEN, or .latchkey/dev.json of a development server)',
    )
    // Both must be set before commands are added: subcommands copy them when created.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Commander's usage errors ("error: ...", sometimes with a suggestion on a second line)
      // follow the same one-line rule as ours.
      outputError: (text, write) => write(`latchkey: ${oneLine(text.replace(/^error: /, ''))}\n`),
    });
  registerUsers(program, context);
  registerClients(program, context);
  registerApis(program, context);
  registerMail(program, context);
  registerAudit(program, context);
  registerTokens(program, context);
  registerDoctor(program, context);
  registerKeys(program, context);
  return program;
}

/** Runs one command; resolves to the exit code. `argv` is the user's arguments only. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    // Commander already printed its message (or help) before throwing.
    if (error instanceof CommanderError) return error.exitCode;
    const message = error instanceof CliError ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    io.stderr.write(`latchkey: ${oneLine(message)}\n`);
    return 1;
  }
}
