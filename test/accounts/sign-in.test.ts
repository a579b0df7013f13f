// Users and their passwords end to end, over the real Passwords and the memory store: the policy
// at creation and change (and not at sign-in), normalisation, the whole password counting, and
// hashes of older schemes and keys migrated on a successful sign-in.
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import { expect } from 'chai';
import { IS_EMAIL, PasswordPolicyError, TOO_COMMON, TOO_SHORT } from '../../server/accounts/password-policy.ts';
import { createPasswords, type Passwords } from '../../server/accounts/passwords.ts';
import { createUsers, type User } from '../../server/accounts/users.ts';
import { fingerprint } from '../../server/crypto/sealed-box.ts';
import { createMemoryStore } from '../../server/store/memory/index.ts';
import type { Documents } from '../../server/store/types.ts';

const COST = 4;
const EMAIL = 'ada@example.com';
const PASSWORD = 'plum velvet orbit';
// 72 bytes: all bcrypt reads of its input.
const SEVENTY_TWO = 'the quick brown fox jumps over the lazy dog while seven owls watch it ok';

/** Exactly how a hash was made before lk2 (passwords.ts at e8f94f2): bcrypt of the raw password. */
const legacyHash = (password: string) => bcrypt.hash(password, COST);

/** Counts the bcrypt work asked of the real Passwords. */
function counted(inner: Passwords) {
  const calls = { verify: 0, verifyNothing: 0, hash: 0 };
  const passwords: Passwords = {
    hash: (p) => (calls.hash++, inner.hash(p)),
    verify: (p, h) => (calls.verify++, inner.verify(p, h)),
    verifyNothing: (p) => (calls.verifyNothing++, inner.verifyNothing(p)),
    needsRehash: (h) => inner.needsRehash(h),
  };
  return { passwords, calls };
}

async function policyError(promise: Promise<unknown>): Promise<PasswordPolicyError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(PasswordPolicyError);
    return err as PasswordPolicyError;
  }
  expect.fail('the password was accepted');
}

describe('signing in with passwords', () => {
  const key = randomBytes(32);
  let documents: Documents;
  beforeEach(() => {
    documents = createMemoryStore().documents;
  });
  const usersWith = (keys: Buffer[] = [key]) => createUsers(documents, createPasswords(COST, keys));
  /** Replaces the stored hash, as data written by an older version would hold it. */
  async function storeHash(user: User, passwordHash: string) {
    await documents.put('users', user.sub, JSON.stringify({ ...user, passwordHash }));
  }
  const storedHash = async (users: ReturnType<typeof usersWith>) => (await users.findByEmail(EMAIL))!.passwordHash;

  describe('the policy', () => {
    it('refuses common passwords at creation and at a password change, saying to choose another', async () => {
      const users = usersWith();
      for (const password of ['password', '12345678', 'Passw0rd!']) {
        expect((await policyError(users.create({ email: EMAIL, password }))).message, password).to.equal(TOO_COMMON);
      }
      await users.create({ email: EMAIL, password: PASSWORD });
      expect((await policyError(users.setPassword(EMAIL, 'Passw0rd!'))).message).to.equal(TOO_COMMON);
      expect((await policyError(users.setPassword(EMAIL, 'ADA'))).message).to.equal(TOO_SHORT);
      expect((await policyError(users.setPassword(EMAIL, 'Ada@Example.com'))).message).to.equal(IS_EMAIL);
      expect(await users.authenticate(EMAIL, PASSWORD), 'the password is unchanged').to.not.equal(undefined);
    });

    it('accepts 64 non-ASCII characters (192 bytes), every one of them counting', async () => {
      const password = Array.from({ length: 64 }, (_, i) => String.fromCodePoint(0x4e00 + i * 11)).join('');
      const users = usersWith();
      await users.create({ email: EMAIL, password });
      expect(await users.authenticate(EMAIL, password)).to.have.property('email', EMAIL);
      expect(await users.authenticate(EMAIL, `${password.slice(0, -1)}字`)).to.equal(undefined);
    });

    it('does not sign in with the real password plus junk after 72 bytes', async () => {
      const users = usersWith();
      await users.create({ email: EMAIL, password: SEVENTY_TWO });
      expect(await users.authenticate(EMAIL, SEVENTY_TWO)).to.not.equal(undefined);
      expect(await users.authenticate(EMAIL, `${SEVENTY_TWO}junk`)).to.equal(undefined);
    });

    it('signs in with the NFD form of a password set in NFC, and the reverse', async () => {
      const nfc = 'crème brûlée à la française'.normalize('NFC');
      const users = usersWith();
      await users.create({ email: EMAIL, password: nfc });
      expect(await users.authenticate(EMAIL, nfc.normalize('NFD'))).to.not.equal(undefined);
      await users.setPassword(EMAIL, 'Ångström ølen'.normalize('NFD'));
      expect(await users.authenticate(EMAIL, 'Ångström ølen'.normalize('NFC'))).to.not.equal(undefined);
    });

    it('refuses a sign-in over 256 characters without running bcrypt, for known and unknown accounts alike', async () => {
      const { passwords, calls } = counted(createPasswords(COST, [key]));
      const users = createUsers(documents, passwords);
      const longest = 'x'.repeat(255) + '!';
      await users.create({ email: EMAIL, password: longest });
      expect(await users.authenticate(EMAIL, longest), '256 characters sign in').to.not.equal(undefined);
      const before = { ...calls };
      expect(await users.authenticate(EMAIL, `${longest}!`)).to.equal(undefined);
      expect(await users.authenticate('nobody@example.com', `${longest}!`)).to.equal(undefined);
      expect(calls).to.deep.equal(before);
    });

    it('spends a real bcrypt compare on an unknown account, as on a wrong password', async () => {
      const { passwords, calls } = counted(createPasswords(COST, [key]));
      const users = createUsers(documents, passwords);
      await users.create({ email: EMAIL, password: PASSWORD });
      expect(await users.authenticate('nobody@example.com', PASSWORD)).to.equal(undefined);
      expect(await users.authenticate(EMAIL, 'wrong password')).to.equal(undefined);
      expect(calls).to.include({ verifyNothing: 1, verify: 1 });
    });
  });

  describe('migration on a successful sign-in', () => {
    it('signs in with a legacy hash made as before lk2, and replaces it with an lk2 hash', async () => {
      const users = usersWith();
      const user = await users.create({ email: EMAIL, password: PASSWORD });
      await storeHash(user, await legacyHash(PASSWORD));

      expect(await users.authenticate(EMAIL, 'plum velvet orbiT')).to.equal(undefined);
      expect(await storedHash(users), 'a failed sign-in migrates nothing').to.match(/^\$2b\$/);
      const signedIn = await users.authenticate(EMAIL, PASSWORD);
      expect(signedIn).to.have.property('sub', user.sub);
      const migrated = await storedHash(users);
      expect(migrated.startsWith(`lk2$${fingerprint(key)}$`)).to.equal(true);
      expect(signedIn!.passwordHash).to.equal(migrated);
      expect(await users.authenticate(EMAIL, PASSWORD)).to.not.equal(undefined);
      expect(await users.authenticate(EMAIL, 'plum velvet orbiT')).to.equal(undefined);
    });

    it('still signs in a weak legacy password (no lock-out), and migrates it', async () => {
      const users = usersWith();
      const user = await users.create({ email: EMAIL, password: PASSWORD });
      await storeHash(user, await legacyHash('password1'));
      expect(await users.authenticate(EMAIL, 'password1')).to.not.equal(undefined);
      expect(await storedHash(users)).to.match(/^lk2\$/);
      expect(await users.authenticate(EMAIL, 'password1')).to.not.equal(undefined);
    });

    it('does not sign in with a legacy password plus junk after 72 bytes', async () => {
      const users = usersWith();
      const user = await users.create({ email: EMAIL, password: PASSWORD });
      await storeHash(user, await legacyHash(SEVENTY_TWO));
      expect(await users.authenticate(EMAIL, `${SEVENTY_TWO}junk`)).to.equal(undefined);
      expect(await users.authenticate(EMAIL, SEVENTY_TWO)).to.not.equal(undefined);
    });

    it('signs in under an older key while it is listed, rehashing under the first; not once it is gone', async () => {
      const older = key;
      const newer = randomBytes(32);
      const before = usersWith([older]);
      await before.create({ email: EMAIL, password: PASSWORD });
      await before.create({ email: 'grace@example.com', password: PASSWORD });

      const rotated = usersWith([newer, older]);
      expect(await rotated.authenticate(EMAIL, PASSWORD)).to.not.equal(undefined);
      expect((await storedHash(rotated)).startsWith(`lk2$${fingerprint(newer)}$`)).to.equal(true);

      const retired = usersWith([newer]);
      expect(await retired.authenticate(EMAIL, PASSWORD), 'signed in during the rotation').to.not.equal(undefined);
      expect(await retired.authenticate('grace@example.com', PASSWORD), 'did not sign in while the old key was listed').to.equal(undefined);
    });

    it('does not replace a password changed while the sign-in was rehashing the old one', async () => {
      // The rehash's read of the user waits until the test lets it go; meanwhile an operator
      // sets a new password.
      const store = createMemoryStore();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let paused!: () => void;
      const pausing = new Promise<void>((resolve) => (paused = resolve));
      let readsBeforePause: number | undefined;
      documents = {
        ...store.documents,
        async get(collection, id) {
          const value = await store.documents.get(collection, id);
          if (collection === 'users' && readsBeforePause !== undefined && readsBeforePause-- === 0) {
            readsBeforePause = undefined;
            paused();
            await gate;
          }
          return value;
        },
      };
      const users = usersWith();
      const user = await users.create({ email: EMAIL, password: PASSWORD });
      await storeHash(user, await legacyHash(PASSWORD));

      readsBeforePause = 1; // authenticate reads the user, then the rehash reads it again
      const signingIn = users.authenticate(EMAIL, PASSWORD);
      await pausing;
      await users.setPassword(EMAIL, 'a brand new passphrase');
      release();
      expect(await signingIn, 'the sign-in itself succeeded').to.not.equal(undefined);

      expect(await users.authenticate(EMAIL, 'a brand new passphrase'), 'the new password').to.not.equal(undefined);
      expect(await users.authenticate(EMAIL, PASSWORD), 'the old one').to.equal(undefined);
    });
  });
});
