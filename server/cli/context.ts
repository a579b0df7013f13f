// What every command needs: the io, the admin API (resolved only when a command runs, so
// `--help` works without a server), and one way to print results.
import type { Command } from 'commander';
import type { AdminApi } from './api.ts';
import type { CliIo } from './io.ts';

export interface CommandContext {
  io: CliIo;
  api(): Promise<AdminApi>;
  /** `--json` prints the API's JSON as is, for scripts; otherwise the human text. */
  print(json: boolean | undefined, body: unknown, human: () => string): void;
}

/** A leaf command; each one takes --json. */
export function leaf(parent: Command, name: string, description: string): Command {
  return parent.command(name).description(description).option('--json', 'print the API response as JSON');
}

/** For repeatable options (--redirect-uri a --redirect-uri b). */
export const collect = (value: string, previous: string[]) => [...previous, value];
