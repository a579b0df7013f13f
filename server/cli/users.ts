// latchkey users add | list | disable | enable | set-password (and show | revoke-app | sign-out: people.ts;
// invite | verify: mail.ts)
import type { Command } from 'commander';
import type { UserView } from '../accounts/users.ts';
import { leaf, morePages, paged, pageQuery, type CommandContext, type PageOptions } from './context.ts';
import { date, table } from './format.ts';
import { readPasswordStdin } from './io.ts';
import { registerPeople } from './people.ts';
import { registerUserMail } from './mail.ts';

// The admin API's response shapes (server/admin/users.ts); the server is ours, so trusted.
interface UserBody {
  user: UserView;
  /** What disabling or a new password ended. */
  revoked?: { grants: number; sessions: number };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const ended = (body: UserBody) =>
  body.revoked ? `; signed out of ${plural(body.revoked.sessions, 'session', 'sessions')}, access of ${plural(body.revoked.grants, 'app', 'apps')} removed` : '';
interface UsersBody {
  users: UserView[];
  next?: string;
}

interface JsonOption {
  json?: boolean;
}
interface EmailOptions extends JsonOption {
  email: string;
}

export function registerUsers(program: Command, cli: CommandContext): void {
  const users = program.command('users').description('manage user accounts');

  leaf(users, 'add', 'create a user; the password is read from stdin, never from the command line')
    .requiredOption('--email <email>', 'email address (the sign-in name)')
    .option('--name <name>', 'full name')
    .requiredOption('--password-stdin', 'read the password from stdin')
    .option('--email-verified', 'the address is known to be the person\'s (email_verified: true)')
    .action(async (options: EmailOptions & { name?: string; emailVerified?: boolean }) => {
      // The server is located first, so a missing configuration fails before anyone types.
      const api = await cli.api();
      const password = await readPasswordStdin(cli.io);
      const body = (await api.request('POST', 'users', {
        email: options.email,
        password,
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.emailVerified ? { emailVerified: true } : {}),
      })) as UserBody;
      cli.print(options.json, body, () => `created user ${body.user.email} (sub ${body.user.sub})`);
    });

  paged(leaf(users, 'list', 'list users, by email')).action(async (options: JsonOption & PageOptions) => {
    const body = (await (await cli.api()).request('GET', `users${pageQuery(options)}`)) as UsersBody;
    cli.print(options.json, body, () =>
      body.users.length === 0
        ? 'no users'
        : `${table(
            ['EMAIL', 'NAME', 'STATUS', 'VERIFIED', 'SUB', 'CREATED'],
            body.users.map((user) => [
              user.email,
              user.name,
              user.disabled ? 'disabled' : 'active',
              user.emailVerified ? 'yes' : 'no',
              user.sub,
              date(user.createdAt),
            ]),
          )}${morePages('latchkey users list', body.next)}`,
    );
  });

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    leaf(users, name, `${name} a user's sign-in`)
      .requiredOption('--email <email>', 'email address of the user')
      .action(async (options: EmailOptions) => {
        const api = await cli.api();
        const body = (await api.request('POST', `users/${name}`, { email: options.email })) as UserBody;
        cli.print(options.json, body, () => `${disabled ? 'disabled' : 'enabled'} user ${body.user.email}${ended(body)}`);
      });
  }

  leaf(users, 'set-password', "replace a user's password; the new one is read from stdin")
    .requiredOption('--email <email>', 'email address of the user')
    .requiredOption('--password-stdin', 'read the password from stdin')
    .action(async (options: EmailOptions) => {
      const api = await cli.api();
      const password = await readPasswordStdin(cli.io);
      const body = (await api.request('POST', 'users/password', { email: options.email, password })) as UserBody;
      cli.print(options.json, body, () => `password changed for ${body.user.email}${ended(body)}`);
    });

  registerPeople(users, cli);
  registerUserMail(users, cli);
}
