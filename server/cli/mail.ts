// latchkey users invite | users verify, and latchkey mail test: the account lifecycle by email
// from the command line (server/admin/mail.ts answers).
import type { Command } from 'commander';
import type { UserView } from '../accounts/users.ts';
import { leaf, type CommandContext } from './context.ts';

interface JsonOption {
  json?: boolean;
}

/** `users invite` and `users verify`, on the `users` command. */
export function registerUserMail(users: Command, cli: CommandContext): void {
  leaf(users, 'invite', 'create a user and mail them a link to choose their password (no password on the command line)')
    .requiredOption('--email <email>', 'email address (the sign-in name)')
    .option('--name <name>', 'full name')
    .action(async (options: JsonOption & { email: string; name?: string }) => {
      const body = (await (await cli.api()).request('POST', 'users/invite', { email: options.email, ...(options.name === undefined ? {} : { name: options.name }) })) as { user: UserView };
      cli.print(options.json, body, () => `invited ${body.user.email} (sub ${body.user.sub}): a link to choose a password is on its way, valid 7 days`);
    });

  leaf(users, 'verify', "mark a user's email address as verified (email_verified: true)")
    .requiredOption('--email <email>', 'email address of the user')
    .action(async (options: JsonOption & { email: string }) => {
      const body = (await (await cli.api()).request('POST', 'users/verify', { email: options.email })) as { user: UserView };
      cli.print(options.json, body, () => `verified the address of ${body.user.email}`);
    });
}

export function registerMail(program: Command, cli: CommandContext): void {
  const mail = program.command('mail').description('outgoing mail');
  leaf(mail, 'test', 'send a test mail now, to check the SMTP settings (SMTP_URL, MAIL_FROM)')
    .requiredOption('--to <email>', 'where to send it')
    .action(async (options: JsonOption & { to: string }) => {
      const body = (await (await cli.api()).request('POST', 'mail/test', { to: options.to })) as { to: string; via: string };
      cli.print(options.json, body, () => `sent a test mail to ${body.to} (${body.via === 'smtp' ? 'the SMTP server accepted it' : 'in the development outbox, /dev/mail'})`);
    });
}
