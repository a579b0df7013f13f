// The users repository: a document per user with an email index, fenced updates (no lost update
// when two operators change one user at once), and listings a page at a time in email order.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { createPasswords } from '../../server/accounts/passwords.ts';
import { createUsers } from '../../server/accounts/users.ts';
import { createMemoryStore } from '../../server/store/memory/index.ts';
import type { Documents } from '../../server/store/types.ts';

describe('users', () => {
  const passwords = createPasswords(4, [randomBytes(32)]);

  it('keeps both changes when two operators change one user at the same moment', async () => {
    const store = createMemoryStore();
    // The first read of a user document waits until the test lets it go: that update then works
    // from a version another update has replaced meanwhile.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let pauseNextRead = false;
    const documents: Documents = {
      ...store.documents,
      async get(collection, id) {
        const value = await store.documents.get(collection, id);
        if (collection === 'users' && pauseNextRead) {
          pauseNextRead = false;
          await gate;
        }
        return value;
      },
    };
    const users = createUsers(documents, passwords);
    await users.create({ email: 'ada@example.com', password: 'first password' });

    pauseNextRead = true;
    const disabling = users.setDisabled('ada@example.com', true);
    await new Promise((resolve) => setTimeout(resolve, 10)); // disabling has read and waits
    await users.setPassword('ada@example.com', 'second password');
    release();
    await disabling;

    const user = (await users.findByEmail('ada@example.com'))!;
    expect(user.disabled, 'the first change').to.equal(true);
    expect(await passwords.verify('second password', user.passwordHash), 'the second change').to.equal(true);
  });

  it('lists users in email order, a page at a time', async () => {
    const users = createUsers(createMemoryStore().documents, passwords);
    const emails = ['carol@example.com', 'Alice@Example.com', 'bob@example.com', 'dave@example.com', 'erin@example.com'];
    for (const email of emails) await users.create({ email, password: 'long enough password' });
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await users.list({ limit: 2, after });
      expect(page.users.length).to.be.at.most(2);
      seen.push(...page.users.map((u) => u.email));
      after = page.next;
    } while (after !== undefined);
    expect(seen).to.deep.equal(['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com', 'erin@example.com']);
  });
});
