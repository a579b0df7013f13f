// Password hashing with bcrypt. The bcrypt package runs hash and compare on libuv's thread pool,
// so a login storm does not block the event loop. At most (cores - 1) hashes run at once: four
// pool threads hashing on a two-core machine would starve the event loop of CPU, and with it
// every token request (measured by the benchmark's login storm).
import { availableParallelism } from 'node:os';
import bcrypt from 'bcrypt';
import pLimit from 'p-limit';
import { PolicyError } from '../errors.ts';

export const MIN_PASSWORD_LENGTH = 8;
// bcrypt reads at most 72 bytes; longer input would be silently truncated, so it is refused.
export const MAX_PASSWORD_BYTES = 72;

export class PasswordPolicyError extends PolicyError {
  override name = 'PasswordPolicyError';
}

export function checkPasswordPolicy(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new PasswordPolicyError(`password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new PasswordPolicyError(`password must be at most ${MAX_PASSWORD_BYTES} bytes`);
  }
}

export interface Passwords {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  /** Spends the same time as verify() against a real hash; for unknown accounts. */
  verifyNothing(password: string): Promise<false>;
}

export function createPasswords(cost: number, concurrency = Math.max(1, availableParallelism() - 1)): Passwords {
  const limit = pLimit(concurrency);
  // A real hash at the configured cost, made once, so a sign-in for an unknown email costs what
  // a wrong password costs.
  let decoy: Promise<string> | undefined;
  const truncate = (password: string) => Buffer.from(password, 'utf8').subarray(0, MAX_PASSWORD_BYTES);

  return {
    hash(password) {
      checkPasswordPolicy(password);
      return limit(() => bcrypt.hash(password, cost));
    },
    async verify(password, hash) {
      return limit(() => bcrypt.compare(truncate(password).toString('utf8'), hash));
    },
    async verifyNothing(password) {
      decoy ??= limit(() => bcrypt.hash('decoy password that never matches', cost));
      const hash = await decoy;
      await limit(() => bcrypt.compare(truncate(password).toString('utf8'), hash));
      return false;
    },
  };
}
