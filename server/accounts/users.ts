// Users, kept as documents in the store (one per user, by `sub`), with an email index (one
// document per email, holding the sub) that makes emails unique and orders listings. `sub` is a
// random, stable identifier; the email is a case-insensitive lookup key that may change without
// breaking relying parties. Passwords: the policy (password-policy.ts) decides what may be set,
// passwords.ts how it is stored; a sign-in replaces a hash made under an older scheme or key.
import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, BusyError, LatchkeyError, NotFoundError } from '../errors.ts';
import type { Documents } from '../store/types.ts';
import { checkNewPassword, signInPassword } from './password-policy.ts';
import type { Passwords } from './passwords.ts';

export interface User {
  sub: string;
  email: string;
  emailVerified: boolean;
  name?: string;
  givenName?: string;
  familyName?: string;
  preferredUsername?: string;
  passwordHash: string;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface NewUser {
  email: string;
  password: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  preferredUsername?: string;
  emailVerified?: boolean;
}

/** What the admin API and CLI show: never the hash. */
export type UserView = Omit<User, 'passwordHash'>;

export class UserExistsError extends AlreadyExistsError {
  override name = 'UserExistsError';
}
export class UserNotFoundError extends NotFoundError {
  override name = 'UserNotFoundError';
}

const USERS = 'users';
/** Where a user's document lives: records of an account name it, to be read along with them. */
export const userDocument = (sub: string) => ({ collection: USERS, id: sub });
const EMAILS = 'user-emails';
const UPDATE_ATTEMPTS = 5;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();
/** What the pages accept as an email address: something@something, bounded, no spaces. */
export const isEmail = (email: string) => /^[^\s@]{1,200}@[^\s@]{1,200}$/.test(email);

export function toView({ passwordHash: _omit, ...view }: User): UserView {
  return view;
}

/** How a sign-in went, for the sign-in log; a person is told only whether it worked. */
export type SignInOutcome = 'succeeded' | 'wrong_password' | 'unknown_account' | 'disabled';

export interface UserPage {
  users: User[];
  /** The cursor of the next page; absent on the last. */
  next?: string;
}

// Every method that runs bcrypt (create, setPassword, authenticate) throws a 503 LatchkeyError
// when too many password checks are waiting already (passwords.ts); create and setPassword throw
// PasswordPolicyError (400) for a password the policy refuses.
export interface Users {
  create(input: NewUser): Promise<User>;
  /** Self-service sign-up: the password is checked and hashed whether or not the email is free
   * (equal cost either way, so timing says nothing); `created` false leaves the existing user as
   * it is. */
  register(input: NewUser): Promise<{ created: boolean; user: User }>;
  setEmailVerified(email: string, verified: boolean): Promise<User>;
  /** Moves the account to another address (verified or not, as said): the new address is claimed
   * first (UserExistsError when taken), the old one freed after. */
  changeEmail(email: string, newEmail: string, options?: { verified?: boolean }): Promise<User>;
  get(sub: string): Promise<User | undefined>;
  findByEmail(email: string): Promise<User | undefined>;
  /** Users in email order, a page at a time, from after the cursor (an email). */
  list(page: { limit: number; after?: string }): Promise<UserPage>;
  setDisabled(email: string, disabled: boolean): Promise<User>;
  setPassword(email: string, password: string): Promise<User>;
  /** The active user whose password matches, or undefined; equal cost either way. */
  authenticate(email: string, password: string): Promise<User | undefined>;
  /** authenticate(), saying why it failed; `user` only when it succeeded. */
  signIn(email: string, password: string): Promise<{ outcome: SignInOutcome; user?: User; sub?: string }>;
}

export function createUsers(documents: Documents, passwords: Passwords, now = () => Date.now()): Users {
  const parse = (raw: string | undefined) => (raw === undefined ? undefined : (JSON.parse(raw) as User));
  const get = async (sub: string) => parse(await documents.get(USERS, sub));
  const findByEmail = async (email: string) => {
    const sub = await documents.get(EMAILS, normalizeEmail(email));
    return sub === undefined ? undefined : get(sub);
  };
  // Fenced like keys and clients: a change applies only over the exact version it was computed
  // from, and is computed again from the newer one when another writer came first, so two
  // operators changing one user never lose either change. A change that returns false leaves
  // the user as it is.
  const update = async (email: string, change: (user: User) => void | false) => {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const sub = await documents.get(EMAILS, normalizeEmail(email));
      const raw = sub === undefined ? undefined : await documents.get(USERS, sub);
      if (sub === undefined || raw === undefined) throw new UserNotFoundError(`no user with email ${normalizeEmail(email)}`);
      const user = JSON.parse(raw) as User;
      if (change(user) === false) return user;
      user.updatedAt = now();
      if (await documents.replace(USERS, sub, raw, JSON.stringify(user))) return user;
    }
    throw new BusyError('this user is being changed by someone else right now; try again');
  };

  // On a successful sign-in with a hash of an older scheme, key or cost: the same password,
  // hashed as today, replaces it, unless the password was changed meanwhile. Best effort: when
  // bcrypt is too busy or someone else is changing the user, the next sign-in tries again.
  const rehash = async (user: User, password: string): Promise<User> => {
    try {
      const fresh = await passwords.hash(password);
      return await update(user.email, (stored) => {
        if (stored.passwordHash !== user.passwordHash) return false;
        stored.passwordHash = fresh;
      });
    } catch (err) {
      if (err instanceof BusyError || (err instanceof LatchkeyError && err.status === 503)) return user;
      throw err;
    }
  };

  const signIn: Users['signIn'] = async (email, password) => {
    // Longer than any password can be: refused before the account is looked up, so this answer
    // says nothing about whether the account exists (nor does the log: no sub).
    if (signInPassword(password) === undefined) return { outcome: 'wrong_password' };
    const user = await findByEmail(email);
    if (!user) return passwords.verifyNothing(password).then(() => ({ outcome: 'unknown_account' as const }));
    // The raw password: verify() normalises it, except against a legacy hash, made of it raw.
    if (!(await passwords.verify(password, user.passwordHash))) return { outcome: 'wrong_password', sub: user.sub };
    if (user.disabled) return { outcome: 'disabled', sub: user.sub };
    const current = passwords.needsRehash(user.passwordHash) ? await rehash(user, password) : user;
    return { outcome: 'succeeded', user: current, sub: user.sub };
  };

  const register: Users['register'] = async (input) => {
    const email = normalizeEmail(input.email);
    const passwordHash = await passwords.hash(checkNewPassword(input.password, { email }));
    const sub = randomBytes(16).toString('base64url');
    // The email index is claimed first, atomically: two racing creates cannot both win.
    if (!(await documents.insert(EMAILS, email, sub))) {
      const existing = await findByEmail(email);
      if (existing) return { created: false, user: existing };
      throw new UserExistsError(`a user with email ${email} already exists`);
    }
    const at = now();
    const user: User = {
      sub,
      email,
      emailVerified: input.emailVerified ?? false,
      name: input.name,
      givenName: input.givenName,
      familyName: input.familyName,
      preferredUsername: input.preferredUsername,
      passwordHash,
      disabled: false,
      createdAt: at,
      updatedAt: at,
    };
    await documents.put(USERS, sub, JSON.stringify(user));
    return { created: true, user };
  };

  return {
    async create(input) {
      const made = await register(input);
      if (!made.created) throw new UserExistsError(`a user with email ${normalizeEmail(input.email)} already exists`);
      return made.user;
    },
    register,
    setEmailVerified(email, verified) {
      return update(email, (user) => {
        if (user.emailVerified === verified) return false;
        user.emailVerified = verified;
      });
    },
    async changeEmail(email, newEmail, { verified = true } = {}) {
      const from = normalizeEmail(email);
      const to = normalizeEmail(newEmail);
      if (from === to) return update(from, () => false);
      const sub = await documents.get(EMAILS, from);
      if (sub === undefined) throw new UserNotFoundError(`no user with email ${from}`);
      if (!(await documents.insert(EMAILS, to, sub))) throw new UserExistsError(`a user with email ${to} already exists`);
      try {
        const user = await update(from, (stored) => {
          stored.email = to;
          stored.emailVerified = verified;
        });
        await documents.remove(EMAILS, from);
        return user;
      } catch (err) {
        await documents.remove(EMAILS, to);
        throw err;
      }
    },
    get,
    findByEmail,
    async list({ limit, after }) {
      const page = await documents.list(EMAILS, { limit, after: after === undefined ? undefined : normalizeEmail(after) });
      const users = await Promise.all(page.items.map(({ value: sub }) => get(sub)));
      return { users: users.filter((user): user is User => user !== undefined), next: page.next };
    },
    setDisabled(email, disabled) {
      return update(email, (user) => {
        user.disabled = disabled;
      });
    },
    async setPassword(email, password) {
      const passwordHash = await passwords.hash(checkNewPassword(password, { email: normalizeEmail(email) }));
      return update(email, (user) => {
        user.passwordHash = passwordHash;
      });
    },
    async authenticate(email, password) {
      return (await signIn(email, password)).user;
    },
    signIn,
  };
}
