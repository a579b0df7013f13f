// Password hashing. The stored form (scheme "lk2") is
//
//   lk2$<key fingerprint>$<bcrypt(base64(HMAC-SHA256(pepper, NFKC(password))), cost)>
//
// - The HMAC pre-hash makes the whole password count: bcrypt reads at most 72 bytes, and a
//   base64 SHA-256 digest is 44 bytes with no NUL (bcrypt stops at a NUL), so nothing is ever
//   truncated and a password may be 256 characters of any script.
// - The pepper is HKDF-SHA256 of a KEYS_ENCRYPTION_KEY (its own `info`, so it is independent of
//   the AES keys sealing secrets with the same key). A stolen store alone, without the key, gives
//   hashes no offline guessing can start on.
// - The fingerprint names the key as sealed envelopes do (crypto/sealed-box.ts). Every listed key
//   verifies; the first hashes. A hash made under another listed key, or at another BCRYPT_COST,
//   or a legacy one, is replaced on its owner's next successful sign-in (needsRehash; users.ts),
//   so rotating the key or the cost needs no operator step, only time.
// - Legacy hashes (plain bcrypt of the raw password, the scheme before lk2, "$2b$…") verify the
//   way they were made: bcrypt of the raw input, refused when the input is over 72 bytes (no
//   legacy password can be, and bcrypt would otherwise accept the real one plus anything).
//
// bcrypt runs on libuv's thread pool, so a login storm does not block the event loop. At most
// (cores - 1) hashes run at once: four pool threads hashing on a two-core machine would starve
// the event loop of CPU, and with it every token request (measured by the benchmark's login
// storm). Behind them at most QUEUE_PER_WORKER jobs per worker wait; beyond that a check is shed
// with a 503 at once rather than queued without bound.
import { createHmac, hkdfSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import bcrypt from 'bcrypt';
import pLimit from 'p-limit';
import { fingerprint } from '../crypto/sealed-box.ts';
import { temporarilyUnavailable } from '../errors.ts';
import { characterCount, MAX_PASSWORD_CHARACTERS, normalizePassword, PasswordPolicyError, TOO_LONG } from './password-policy.ts';

export { PasswordPolicyError } from './password-policy.ts';

const SCHEME = 'lk2';
const PEPPER_INFO = 'latchkey password pepper v1';
/** What the scheme before lk2 accepted, and bcrypt reads. */
const LEGACY_MAX_BYTES = 72;
const LEGACY = /^\$2[aby]\$\d\d\$/;

/**
 * Jobs that may wait per running one. A person at the back waits for the jobs ahead and their
 * own: 5 bcrypt compares, about 1.1 s at the default cost 12 on a two-core machine (216 ms a
 * compare, one worker) and 0.3 s at cost 10. That absorbs a burst of real sign-ins (everyone
 * arriving at 9:00) without refusing anyone, and keeps a flood of guesses from making a real
 * sign-in wait seconds: past it the flood is refused, not the people behind it.
 */
export const QUEUE_PER_WORKER = 4;
/** The queue drains in about a second (above); "a few seconds" leaves room. */
export const BUSY_RETRY_AFTER_SECONDS = 3;
export const BUSY = 'Too many people are signing in right now. Try again in a few seconds.';

export const defaultConcurrency = () => Math.max(1, availableParallelism() - 1);

export interface Passwords {
  /** The stored form of a password (normalised here); the policy is the caller's (users.ts). */
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  /** Spends the same time as verify() against a real hash; for unknown accounts. */
  verifyNothing(password: string): Promise<false>;
  /** Whether a hash that verified should be replaced by hash() of the same password. */
  needsRehash(hash: string): boolean;
}

export interface PasswordsOptions {
  /** bcrypt jobs running at once; default cores - 1. */
  concurrency?: number;
  /** bcrypt jobs waiting at most; default QUEUE_PER_WORKER × concurrency. */
  maxQueued?: number;
}

type Parsed = { kind: 'lk2'; key: string; bcrypt: string } | { kind: 'legacy'; bcrypt: string } | { kind: 'unknown' };

function parse(stored: string): Parsed {
  if (LEGACY.test(stored)) return { kind: 'legacy', bcrypt: stored };
  const match = /^lk2\$([0-9a-f]{12})\$(\$2[aby]\$\d\d\$.+)$/.exec(stored);
  return match ? { kind: 'lk2', key: match[1]!, bcrypt: match[2]! } : { kind: 'unknown' };
}

/**
 * @param cost bcrypt cost (BCRYPT_COST)
 * @param keys KEYS_ENCRYPTION_KEY: the first peppers new hashes, any verifies
 */
export function createPasswords(cost: number, keys: Buffer[], options: PasswordsOptions = {}): Passwords {
  if (keys.length === 0) throw new Error('at least one key is required to pepper passwords');
  const concurrency = options.concurrency ?? defaultConcurrency();
  const maxQueued = options.maxQueued ?? QUEUE_PER_WORKER * concurrency;
  const limit = pLimit(concurrency);
  const peppers = new Map(keys.map((key) => [fingerprint(key), Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), PEPPER_INFO, 32))]));
  const current = fingerprint(keys[0]!);
  const prehash = (pepper: Buffer, password: string) => createHmac('sha256', pepper).update(normalizePassword(password), 'utf8').digest('base64');

  // p-limit counts synchronously: activeCount is the jobs running, pendingCount those waiting.
  function admit<T>(job: () => Promise<T>): Promise<T> {
    const mustWait = limit.activeCount >= concurrency;
    if (mustWait && limit.pendingCount >= maxQueued) return Promise.reject(temporarilyUnavailable(BUSY, BUSY_RETRY_AFTER_SECONDS));
    return limit(job);
  }

  // A real hash at the configured cost, made once, so a sign-in for an unknown email costs what
  // a wrong password costs. Forgotten if making it was shed, so the next try makes it.
  let decoy: Promise<string> | undefined;
  const decoyHash = () =>
    (decoy ??= admit(() => bcrypt.hash(prehash(peppers.get(current)!, 'decoy password that never matches'), cost)).catch((err: unknown) => {
      decoy = undefined;
      throw err;
    }));

  return {
    hash(password) {
      // Longer would never sign in (the sign-in refuses it before bcrypt); the policy says so first.
      if (characterCount(normalizePassword(password)) > MAX_PASSWORD_CHARACTERS) return Promise.reject(new PasswordPolicyError(TOO_LONG));
      const digest = prehash(peppers.get(current)!, password);
      return admit(() => bcrypt.hash(digest, cost)).then((hashed) => `${SCHEME}$${current}$${hashed}`);
    },
    async verify(password, stored) {
      const parsed = parse(stored);
      if (parsed.kind === 'legacy') {
        const raw = password;
        const ok = await admit(() => bcrypt.compare(raw, parsed.bcrypt));
        return ok && Buffer.byteLength(raw, 'utf8') <= LEGACY_MAX_BYTES;
      }
      const pepper = parsed.kind === 'lk2' ? peppers.get(parsed.key) : undefined;
      if (parsed.kind === 'lk2' && pepper) {
        const digest = prehash(pepper, password);
        return admit(() => bcrypt.compare(digest, parsed.bcrypt));
      }
      // Made under a key no longer listed, or not a hash at all: nobody can sign in with it, and
      // finding that out costs what a wrong password costs.
      const hash = parsed.kind === 'lk2' ? parsed.bcrypt : await decoyHash();
      const digest = prehash(peppers.get(current)!, password);
      await admit(() => bcrypt.compare(digest, hash));
      return false;
    },
    async verifyNothing(password) {
      const hash = await decoyHash();
      const digest = prehash(peppers.get(current)!, password);
      await admit(() => bcrypt.compare(digest, hash));
      return false;
    },
    needsRehash(stored) {
      const parsed = parse(stored);
      if (parsed.kind === 'unknown') return false;
      return parsed.kind === 'legacy' || parsed.key !== current || bcrypt.getRounds(parsed.bcrypt) !== cost;
    },
  };
}
