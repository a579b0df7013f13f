// latchkey users show | revoke-app | sign-out (and the admin API under them): support staff see
// what a person holds and take it back, with the same effect as the person in the console, and
// the person reads in their security activity that an administrator did it.
import { expect } from 'chai';
import { isActive, openConsole, textOf } from '../support/account.ts';
import { cliAt, expectOneLineFailure } from '../support/cli.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';

describe('latchkey CLI: a person’s apps and sessions', () => {
  let running: Running;
  before(async () => {
    running = await startLatchkey({ store: 'redis' });
  });
  after(() => running.stop());

  const cli = (argv: string[], options?: { stdin?: string }) => cliAt(running.url, argv, options);

  /** A person signed in to two apps, from two browsers. */
  async function personWithTwoApps() {
    const user = await addUser(running);
    const sign = async (name: string) => {
      const { clientId, secret } = await addClient(running, { client_name: name });
      const config = await discover(running, clientId, secret);
      return { clientId, config, ...(await signIn(config, user.email)) };
    };
    const notes = await sign('Notes');
    const photos = await sign('Photo Printer');
    return { user, notes, photos };
  }

  it('shows a person’s connected apps and browser sessions, as a table and as JSON', async () => {
    const { user, notes, photos } = await personWithTwoApps();
    const shown = await cli(['users', 'show', '--email', user.email.toUpperCase()]);
    expect(shown.code, shown.stderr).to.equal(0);
    expect(shown.stdout).to.include(user.email).and.include(user.sub);
    expect(shown.stdout).to.match(/^APP\s+CLIENT\s+AUTHORISED\s+LAST USED/m);
    expect(shown.stdout).to.match(new RegExp(`^Notes\\s+${notes.clientId}\\s`, 'm'));
    expect(shown.stdout).to.match(new RegExp(`^Photo Printer\\s+${photos.clientId}\\s`, 'm'));
    expect(shown.stdout).to.match(/^Notes\s.*\s2\s+yes\s+Confirm who you are.*See your email address/m);
    expect(shown.stdout).to.match(/^SESSION\s+DEVICE\s+ADDRESS/m);

    const json = JSON.parse((await cli(['users', 'show', '--email', user.email, '--json'])).stdout);
    expect(json.user.sub).to.equal(user.sub);
    expect(json.user).to.not.have.property('passwordHash');
    expect(json.apps.map((a: { clientId: string }) => a.clientId).sort()).to.deep.equal([notes.clientId, photos.clientId].sort());
    expect(json.apps[0].lastUsed.how).to.equal('issued');
    expect(json.sessions).to.have.length(2);
    expect(json.sessions[0].apps).to.have.length(1);
  });

  it('removes one app’s access: its tokens end, the other app keeps working, the person is told', async () => {
    const { user, notes, photos } = await personWithTwoApps();
    const run = await cli(['users', 'revoke-app', '--email', user.email, '--client', notes.clientId]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.equal(`removed the access of ${notes.clientId} to ${user.email} (1 grant)\n`);
    expect(await isActive(notes.config, notes.tokens.access_token)).to.equal(false);
    expect(await isActive(notes.config, notes.tokens.refresh_token!)).to.equal(false);
    expect(await isActive(photos.config, photos.tokens.access_token)).to.equal(true);
    const activity = textOf(await openConsole(running, photos.browser, '/account/activity'));
    expect(activity).to.include("An administrator removed Notes's access to your account");
    expectOneLineFailure(await cli(['users', 'revoke-app', '--email', user.email, '--client', notes.clientId]), /has not connected client/);
  });

  it('signs a person out of one session, then of every session', async () => {
    const { user, notes, photos } = await personWithTwoApps();
    const { sessions } = JSON.parse((await cli(['users', 'show', '--email', user.email, '--json'])).stdout) as { sessions: Array<{ id: string; apps: string[] }> };
    const notesSession = sessions.find((s) => s.apps.includes('Notes'))!;
    const one = await cli(['users', 'sign-out', '--email', user.email, '--session', notesSession.id]);
    expect(one.code, one.stderr).to.equal(0);
    expect(one.stdout).to.equal(`signed ${user.email} out of 1 session\n`);
    expect((await openConsole(running, notes.browser)).doc.querySelector('#password'), 'signed out').to.not.equal(null);
    expect(await isActive(notes.config, notes.tokens.refresh_token!), 'offline access survives a sign-out').to.equal(true);
    expect((await openConsole(running, photos.browser)).url).to.equal(`${running.url}/account`);
    expect(textOf(await openConsole(running, photos.browser, '/account/activity'))).to.include('An administrator signed you out of 1 session');

    expectOneLineFailure(await cli(['users', 'sign-out', '--email', user.email, '--session', notesSession.id]), /has no session/);
    const all = await cli(['users', 'sign-out', '--email', user.email, '--json']);
    expect(JSON.parse(all.stdout)).to.deep.equal({ signedOut: 1 });
    expect((await openConsole(running, photos.browser)).doc.querySelector('#password'), 'signed out').to.not.equal(null);
  });

  it('tells the person, in their activity, that an administrator set a new password', async () => {
    const { user, photos } = await personWithTwoApps();
    const run = await cli(['users', 'set-password', '--email', user.email, '--password-stdin'], { stdin: 'another horse battery staple\n' });
    expect(run.code, run.stderr).to.equal(0);
    const page = await openConsole(running, photos.browser, '/account/activity', { email: user.email, password: 'another horse battery staple' });
    expect(textOf(page)).to.include('An administrator set a new password for your account and signed you out everywhere');
  });

  it('never acts on another person’s session, and names what it cannot find', async () => {
    const alice = await personWithTwoApps();
    const bob = await addUser(running);
    const { sessions } = JSON.parse((await cli(['users', 'show', '--email', alice.user.email, '--json'])).stdout) as { sessions: Array<{ id: string }> };
    expectOneLineFailure(await cli(['users', 'sign-out', '--email', bob.email, '--session', sessions[0]!.id]), /has no session/);
    expectOneLineFailure(await cli(['users', 'revoke-app', '--email', bob.email, '--client', alice.notes.clientId]), /has not connected client/);
    expect((await openConsole(running, alice.notes.browser)).url).to.equal(`${running.url}/account`);
    expectOneLineFailure(await cli(['users', 'show', '--email', 'nobody@example.test']), /no user with email nobody@example.test/);
    expectOneLineFailure(await cli(['users', 'show', '--email', '']), /email/);
  });
});
