// latchkey audit search | tail, and /admin/audit under them: operators find who got a token for
// what, from where and when, and follow the trail as it is written.
import { expect } from 'chai';
import { cliAt, expectOneLineFailure } from '../support/cli.ts';
import { tokenRequest } from '../support/flows.ts';
import { startLatchkey, TEST_ADMIN_TOKEN, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';

describe('latchkey CLI: audit', () => {
  let running: Running;
  before(async () => {
    running = await startLatchkey({ store: 'redis' });
  });
  after(() => running.stop());

  const cli = (argv: string[]) => cliAt(running.url, argv);

  it('searches by account (by email), type family and time, as a table or JSON, a page at a time', async () => {
    const user = await addUser(running);
    const { clientId, secret } = await addClient(running, { client_name: 'Notes' });
    await signIn(await discover(running, clientId, secret), user.email);

    const table = await cli(['audit', 'search', '--account', user.email, '--type', 'token.*', '--since', '5m']);
    expect(table.code, table.stderr).to.equal(0);
    expect(table.stdout).to.match(/^TIME\s+TYPE\s+ACTOR\s+ACCOUNT\s+CLIENT\s+IP\s+DETAILS$/m);
    const rows = table.stdout.split('\n').filter((l) => l.includes('token.issued'));
    expect(rows).to.have.length(2);
    for (const row of rows) expect(row).to.include(user.sub).and.include(clientId).and.include('grantType=authorization_code');

    const page = JSON.parse((await cli(['audit', 'search', '--account', user.sub, '--limit', '1', '--json'])).stdout) as { events: { id: string; type: string }[]; next: string };
    expect(page.events).to.have.length(1);
    const rest = JSON.parse((await cli(['audit', 'search', '--account', user.sub, '--cursor', page.next, '--json'])).stdout) as { events: { id: string }[] };
    expect(rest.events.map((e) => e.id)).to.not.include(page.events[0]!.id);
    expect(rest.events.length).to.be.greaterThan(2);

    expect((await cli(['audit', 'search', '--account', user.email, '--until', '1h'])).stdout).to.equal('no events\n');
    expect((await cli(['audit', 'search', '--account', 'nobody@example.test'])).stdout).to.equal('no events\n');
  });

  it('refuses bad filters with one line naming them', async () => {
    expectOneLineFailure(await cli(['audit', 'search', '--since', 'last tuesday']), /since: a time/);
    expectOneLineFailure(await cli(['audit', 'search', '--type', 'DROP TABLE']), /type/);
    expectOneLineFailure(await cli(['audit', 'search', '--cursor', 'abc']), /cursor/);
  });

  it('follows new events as they are recorded, filtered', async () => {
    const { clientId, secret } = await addClient(running, { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
    const tail = cli(['audit', 'tail', '--client', clientId, '--type', 'token.issued', '--count', '2']);
    // Events written before the tail started are not shown: give it time to learn where "now" is.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let i = 0; i < 3; i++) expect((await tokenRequest(running, { clientId, secret }, { grant_type: 'client_credentials' })).status).to.equal(200);
    const run = await tail;
    expect(run.code, run.stderr).to.equal(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).to.have.length(2);
    for (const l of lines) expect(l).to.include('token.issued').and.include(clientId).and.include('tokenKind=client_credentials');
  });

  it('is behind the admin token like the rest of the admin API', async () => {
    expect((await fetch(`${running.url}/admin/audit`)).status).to.equal(401);
    const ok = await fetch(`${running.url}/admin/audit?limit=1`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(ok.status).to.equal(200);
    expect(ok.headers.get('cache-control')).to.equal('no-store');
  });
});
