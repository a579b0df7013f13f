// What every command needs: the io, the admin API (resolved only when a command runs, so
// `--help` works without a server), and one way to print results.
import type { Command } from 'commander';
import type { AdminClient } from './admin-client.ts';
import type { CliIo } from './io.ts';

export interface CommandContext {
  io: CliIo;
  api(): Promise<AdminClient>;
  /** `--json` prints the API's JSON as is, for scripts; otherwise the human text. */
  print(json: boolean | undefined, body: unknown, human: () => string): void;
}

/** A leaf command; each one takes --json. */
export function leaf(parent: Command, name: string, description: string): Command {
  return parent.command(name).description(description).option('--json', 'print the API response as JSON');
}

/** For repeatable options (--redirect-uri a --redirect-uri b). */
export const collect = (value: string, previous: string[]) => [...previous, value];

export interface PageOptions {
  limit?: string;
  cursor?: string;
}

/** --limit and --cursor for a listing command. */
export function paged(command: Command): Command {
  return command
    .option('--limit <n>', 'how many to list (1-1000, default 100)')
    .option('--cursor <cursor>', 'continue a listing where the previous page ended');
}

/** The listing's query string. */
export function pageQuery(options: PageOptions): string {
  const query = new URLSearchParams();
  if (options.limit !== undefined) query.set('limit', options.limit);
  if (options.cursor !== undefined) query.set('cursor', options.cursor);
  const text = query.toString();
  return text === '' ? '' : `?${text}`;
}

/** The hint under a page that has a next one. */
export function morePages(command: string, next: string | undefined): string {
  return next === undefined ? '' : `\nmore: ${command} --cursor ${next}`;
}
