// Users, kept as documents in the store (one per user, by `sub`), with an email index (one
// document per email, holding the sub) that makes emails unique and orders listings. `sub` is a
// random, stable identifier; the email is a case-insensitive lookup key that may change without
// breaking relying parties.
import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, BusyError, NotFoundError } from '../errors.ts';
import type { Documents } from '../store/types.ts';
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
const EMAILS = 'user-emails';
const UPDATE_ATTEMPTS = 5;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

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

export interface Users {
  create(input: NewUser): Promise<User>;
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
  // operators changing one user never lose either change.
  const update = async (email: string, change: (user: User) => void) => {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const sub = await documents.get(EMAILS, normalizeEmail(email));
      const raw = sub === undefined ? undefined : await documents.get(USERS, sub);
      if (sub === undefined || raw === undefined) throw new UserNotFoundError(`no user with email ${normalizeEmail(email)}`);
      const user = JSON.parse(raw) as User;
      change(user);
      user.updatedAt = now();
      if (await documents.replace(USERS, sub, raw, JSON.stringify(user))) return user;
    }
    throw new BusyError('this user is being changed by someone else right now; try again');
  };

  const signIn: Users['signIn'] = async (email, password) => {
    const user = await findByEmail(email);
    if (!user) return passwords.verifyNothing(password).then(() => ({ outcome: 'unknown_account' as const }));
    const ok = await passwords.verify(password, user.passwordHash);
    if (!ok) return { outcome: 'wrong_password', sub: user.sub };
    return user.disabled ? { outcome: 'disabled', sub: user.sub } : { outcome: 'succeeded', user, sub: user.sub };
  };

  return {
    async create(input) {
      const email = normalizeEmail(input.email);
      const passwordHash = await passwords.hash(input.password);
      const sub = randomBytes(16).toString('base64url');
      // The email index is claimed first, atomically: two racing creates cannot both win.
      if (!(await documents.insert(EMAILS, email, sub))) {
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
      return user;
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
      const passwordHash = await passwords.hash(password);
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
