// latchkey users show | revoke-app | sign-out | reset-mfa: for support staff, what a person holds (their
// connected apps and browser sessions) and taking any of it back, as the person can in the
// account console. The person sees each action in their security activity.
import type { Command } from 'commander';
import type { ConnectedApp } from '../account/apps.ts';
import type { BrowserSessionView } from '../account/sessions.ts';
import type { UserView } from '../accounts/users.ts';
import { leaf, type CommandContext } from './context.ts';
import { date, table } from './format.ts';

// The admin API's response shapes (server/admin/people.ts); the server is ours, so trusted.
interface AccessBody {
  user: UserView;
  apps: ConnectedApp[];
  sessions: BrowserSessionView[];
}

interface Options {
  json?: boolean;
  email: string;
  client?: string;
  session?: string;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function describe(body: AccessBody): string {
  const { user, apps, sessions } = body;
  const lines = [`${user.email}${user.name ? ` (${user.name})` : ''}, sub ${user.sub}, ${user.disabled ? 'disabled' : 'active'}`, ''];
  lines.push(
    apps.length === 0
      ? 'no connected apps'
      : table(
          ['APP', 'CLIENT', 'AUTHORISED', 'LAST USED', 'HOW', 'FROM', 'TOKENS', 'OFFLINE', 'ACCESS'],
          apps.map((app) => [app.name, app.clientId, date(app.authorisedAt), date(app.lastUsed?.lastUsedAt), app.lastUsed?.how, app.lastUsed?.ip, String(app.liveTokens), app.offline ? 'yes' : 'no', app.access.join('; ')]),
        ),
  );
  lines.push('');
  lines.push(
    sessions.length === 0
      ? 'no browser sessions'
      : table(
          ['SESSION', 'DEVICE', 'ADDRESS', 'PLACE', 'STARTED', 'LAST ACTIVE', 'APPS'],
          sessions.map((s) => [s.id, s.device, s.ip, s.place, date(s.startedAt), date(s.lastActiveAt), s.apps.join(', ')]),
        ),
  );
  return lines.join('\n');
}

export function registerPeople(users: Command, cli: CommandContext): void {
  leaf(users, 'show', "a user's connected apps and browser sessions")
    .requiredOption('--email <email>', 'email address of the user')
    .action(async (options: Options) => {
      const body = (await (await cli.api()).request('GET', `users/access?${new URLSearchParams({ email: options.email })}`)) as AccessBody;
      cli.print(options.json, body, () => describe(body));
    });

  leaf(users, 'revoke-app', "remove an app's access to a user's account (its grant and every token of it)")
    .requiredOption('--email <email>', 'email address of the user')
    .requiredOption('--client <id>', 'client id of the app')
    .action(async (options: Options) => {
      const body = (await (await cli.api()).request('POST', 'users/revoke-app', { email: options.email, client: options.client })) as { removed: number; client: string };
      cli.print(options.json, body, () => `removed the access of ${body.client} to ${options.email} (${plural(body.removed, 'grant', 'grants')})`);
    });

  leaf(users, 'sign-out', 'sign a user out of one browser session, or of every session')
    .requiredOption('--email <email>', 'email address of the user')
    .option('--session <id>', 'the session to end (from users show); every session without it')
    .action(async (options: Options) => {
      const body = (await (await cli.api()).request('POST', 'users/sign-out', { email: options.email, ...(options.session ? { session: options.session } : {}) })) as { signedOut: number };
      cli.print(options.json, body, () => `signed ${options.email} out of ${plural(body.signedOut, 'session', 'sessions')}`);
    });

  leaf(users, 'reset-mfa', "remove every second factor and recovery code of a user who lost them all (check who is asking first)")
    .requiredOption('--email <email>', 'email address of the user')
    .action(async (options: Options) => {
      const body = (await (await cli.api()).request('POST', 'users/reset-mfa', { email: options.email })) as { reset: boolean };
      cli.print(options.json, body, () => (body.reset ? `removed the second factors of ${options.email}: they sign in with their password alone until they set up a new one` : `${options.email} had no second factor`));
    });
}
