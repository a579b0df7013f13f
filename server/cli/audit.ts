// latchkey audit search | tail: the audit trail through the admin API (server/admin/audit.ts).
// search reads newest first, a page at a time; tail follows new events as they are recorded,
// one line each (or one JSON object per line with --json), until interrupted or --count events.
import type { Command } from 'commander';
import { leaf, morePages, type CommandContext } from './context.ts';
import { date, table } from './format.ts';
import { oneLine } from './io.ts';

interface Event {
  id: string;
  type: string;
  at: number;
  account?: string;
  client?: string;
  ip?: string;
  actor: { kind: string; sub?: string; clientId?: string; id?: string; component?: string };
  [field: string]: unknown;
}

interface SearchOptions {
  json?: boolean;
  account?: string;
  client?: string;
  type?: string;
  since?: string;
  until?: string;
  limit?: string;
  cursor?: string;
}

const POLL_MS = 1000;
// The fields a line shows after the common ones: what each kind of event is about.
const DETAIL = ['grantType', 'tokenKind', 'reason', 'cause', 'method', 'path', 'status', 'rule', 'kid', 'delivered', 'active'];

const actorOf = (e: Event) => e.actor.sub ?? e.actor.clientId ?? e.actor.id ?? e.actor.component ?? e.actor.kind;
const details = (e: Event) =>
  DETAIL.filter((f) => e[f] !== undefined)
    .map((f) => `${f}=${String(e[f])}`)
    .join(' ');
const line = (e: Event) => oneLine([date(e.at), e.type, e.account ?? '-', e.client ?? '-', e.ip ?? '-', details(e)].join('  '));

function filters(options: SearchOptions): URLSearchParams {
  const query = new URLSearchParams();
  for (const name of ['account', 'client', 'type', 'since', 'until', 'limit', 'cursor'] as const) {
    const value = options[name];
    if (value !== undefined) query.set(name, value);
  }
  return query;
}

export function registerAudit(program: Command, cli: CommandContext): void {
  const audit = program.command('audit').description('search and follow the audit trail');
  const withFilters = (command: Command) =>
    command
      .option('--account <email|sub>', 'events of this account')
      .option('--client <id>', 'events of this client')
      .option('--type <type>', 'an event type (token.issued) or a family (token.*)');

  withFilters(leaf(audit, 'search', 'audit events, newest first'))
    .option('--since <when>', 'from this time: ISO 8601, epoch ms, or 30m, 2h, 7d back')
    .option('--until <when>', 'up to this time')
    .option('--limit <n>', 'how many (1-1000, default 100)')
    .option('--cursor <id>', 'continue where the previous page ended')
    .action(async (options: SearchOptions) => {
      const body = (await (await cli.api()).request('GET', `audit?${filters(options)}`)) as { events: Event[]; next?: string };
      cli.print(options.json, body, () =>
        body.events.length === 0
          ? 'no events'
          : `${table(
              ['TIME', 'TYPE', 'ACTOR', 'ACCOUNT', 'CLIENT', 'IP', 'DETAILS'],
              body.events.map((e) => [date(e.at), e.type, actorOf(e), e.account, e.client, e.ip, details(e)]),
            )}${morePages('latchkey audit search', body.next)}`,
      );
    });

  withFilters(leaf(audit, 'tail', 'follow new audit events as they are recorded'))
    .option('--count <n>', 'stop after this many events')
    .action(async (options: SearchOptions & { count?: string }) => {
      const api = await cli.api();
      const wanted = options.count === undefined ? Infinity : Number(options.count);
      const only = filters({ account: options.account, client: options.client, type: options.type });
      let { last } = (await api.request('GET', 'audit/tail')) as { last: string };
      let shown = 0;
      while (shown < wanted) {
        only.set('after', last);
        const body = (await api.request('GET', `audit/tail?${only}`)) as { events: Event[]; last: string };
        for (const e of body.events) {
          cli.io.stdout.write(`${options.json ? JSON.stringify(e) : line(e)}\n`);
          if (++shown >= wanted) return;
        }
        last = body.last;
        if (body.last === only.get('after')) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    });
}
