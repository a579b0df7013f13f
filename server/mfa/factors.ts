// A person's second factors, kept as one document per account (`mfa-factors`, by sub): the TOTP
// secret sealed (AES-256-GCM under KEYS_ENCRYPTION_KEY, bound to the account, like client
// secrets), the last TOTP step used (replay refusal), and the recovery codes as keyed hashes.
// Every change is a fenced write (Documents.replace over the exact version read), so two
// requests using the same code at once cannot both succeed: one write wins, the other reads
// again and finds the step or the code spent.
import { derive } from '../crypto/derived-keys.ts';
import { fingerprint, type Sealed, type SealedBox } from '../crypto/sealed-box.ts';
import { BusyError } from '../errors.ts';
import type { Documents } from '../store/types.ts';
import { newRecoveryCodes, normalizeRecoveryCode, recoveryCodeHash } from './recovery-codes.ts';
import { checkTotp, newTotpSecret, otpauthUri } from './totp.ts';

const COLLECTION = 'mfa-factors';
const WRITE_ATTEMPTS = 5;
/** A secret shown for enrolment stays the same this long, so reloading the page keeps the QR code. */
const PENDING_MS = 15 * 60 * 1000;

/** A passkey: its credential id and COSE public key (base64url), the authenticator's signature counter. */
export interface StoredPasskey {
  id: string;
  publicKey: string;
  counter: number;
  transports: string[];
  /** A platform authenticator (this device's, or synced), not a security key. */
  platform: boolean;
  name: string;
  createdAt: number;
}

interface Stored {
  passkeys?: StoredPasskey[];
  totp?: { secret: Sealed; createdAt: number; lastStep?: number };
  pendingTotp?: { secret: Sealed; createdAt: number };
  recovery?: { kek: string; hashes: (string | null)[]; createdAt: number };
}

export interface FactorStatus {
  /** A factor that can be asked for at sign-in (recovery codes alone are not one). */
  hasFactor: boolean;
  totp?: { createdAt: number };
  recovery?: { remaining: number; createdAt: number };
  passkeys: { id: string; name: string; createdAt: number }[];
}

export type TotpCheck = 'ok' | 'wrong' | 'replayed' | 'none';

export interface Factors {
  status(sub: string): Promise<FactorStatus>;
  /** A secret to enrol (the same one for a few minutes), and its otpauth:// URI. */
  startTotp(sub: string, label: string): Promise<{ uri: string; secret: string }>;
  /** The first code from the app; on success the factor is on, and the recovery codes are
   * returned when the account had none (shown once). */
  confirmTotp(sub: string, code: string, nowMs?: number): Promise<{ ok: false } | { ok: true; recoveryCodes?: string[] }>;
  removeTotp(sub: string): Promise<boolean>;
  verifyTotp(sub: string, code: string, nowMs?: number): Promise<TotpCheck>;
  /** Ten new codes, the old ones void; undefined when the account has no factor to recover. */
  regenerateRecoveryCodes(sub: string): Promise<string[] | undefined>;
  /** Spends the code: true once, for a code the account holds. */
  useRecoveryCode(sub: string, code: string): Promise<boolean>;
  passkeys(sub: string): Promise<StoredPasskey[]>;
  /** Adds a passkey (recovery codes are made from the console page, where they can be shown). */
  addPasskey(sub: string, passkey: StoredPasskey): Promise<void>;
  /** Records a use: false when the counter did not grow (a cloned authenticator). */
  passkeyUsed(sub: string, id: string, counter: number): Promise<boolean>;
  removePasskey(sub: string, id: string): Promise<boolean>;
  /** Every factor and recovery code gone (support staff, for a person who lost them all); the
   * passkeys that were removed, for their index. */
  reset(sub: string): Promise<{ removed: boolean; passkeyIds: string[] }>;
}

const hasFactor = (stored: Stored) => stored.totp !== undefined || (stored.passkeys ?? []).length > 0;
/** With the last factor gone, the recovery codes go too: there is nothing left to recover. */
const withoutOrphanCodes = (stored: Stored): Stored => {
  if (hasFactor(stored)) return stored;
  const { recovery: _gone, ...rest } = stored;
  return rest;
};

export function createFactors(documents: Documents, box: SealedBox, keys: Buffer[], issuer: string): Factors {
  const peppers = new Map(keys.map((key) => [fingerprint(key), derive(key, 'latchkey recovery code pepper v1')]));
  const current = fingerprint(keys[0]!);
  const aad = (sub: string) => `mfa-totp:${sub}`;
  const read = async (sub: string): Promise<{ raw?: string; stored: Stored }> => {
    const raw = await documents.get(COLLECTION, sub);
    return { raw, stored: raw ? (JSON.parse(raw) as Stored) : {} };
  };

  /** Applies `change` to the stored factors, fenced; `change` answers undefined for "nothing to write". */
  async function update<T>(sub: string, change: (stored: Stored) => { next: Stored; result: T } | { result: T; next?: undefined }): Promise<T> {
    for (let i = 0; i < WRITE_ATTEMPTS; i++) {
      const { raw, stored } = await read(sub);
      const { next, result } = change(structuredClone(stored));
      if (!next) return result;
      const value = JSON.stringify(next);
      const written = raw === undefined ? await documents.insert(COLLECTION, sub, value) : await documents.replace(COLLECTION, sub, raw, value);
      if (written) return result;
    }
    throw new BusyError('the second factors of this account are being changed by another request; try again');
  }

  const hashes = (sub: string, codes: string[]) => ({ kek: current, hashes: codes.map((code) => recoveryCodeHash(peppers.get(current)!, sub, code)), createdAt: Date.now() });

  return {
    async status(sub) {
      const { stored } = await read(sub);
      return {
        hasFactor: hasFactor(stored),
        passkeys: (stored.passkeys ?? []).map(({ id, name, createdAt }) => ({ id, name, createdAt })),
        ...(stored.totp ? { totp: { createdAt: stored.totp.createdAt } } : {}),
        ...(stored.recovery ? { recovery: { remaining: stored.recovery.hashes.filter(Boolean).length, createdAt: stored.recovery.createdAt } } : {}),
      };
    },

    async startTotp(sub, label) {
      const secret = await update(sub, (stored) => {
        const pending = stored.pendingTotp;
        if (pending && Date.now() - pending.createdAt < PENDING_MS && !box.isStale(pending.secret)) return { result: box.open(pending.secret, aad(sub)) };
        const fresh = newTotpSecret();
        return { result: fresh, next: { ...stored, pendingTotp: { secret: box.seal(fresh, aad(sub)), createdAt: Date.now() } } };
      });
      return { secret, uri: otpauthUri(secret, label, new URL(issuer).host) };
    },

    async confirmTotp(sub, code, nowMs = Date.now()) {
      return update<{ ok: false } | { ok: true; recoveryCodes?: string[] }>(sub, (stored) => {
        const pending = stored.pendingTotp;
        if (!pending || nowMs - pending.createdAt >= PENDING_MS) return { result: { ok: false as const } };
        const decision = checkTotp({ secretBase32: box.open(pending.secret, aad(sub)), code, nowMs });
        if (!decision.ok) return { result: { ok: false as const } };
        const codes = stored.recovery && hasFactor(stored) ? undefined : newRecoveryCodes();
        const { pendingTotp: _done, ...rest } = stored;
        return {
          result: { ok: true as const, ...(codes ? { recoveryCodes: codes } : {}) },
          next: { ...rest, totp: { secret: pending.secret, createdAt: Date.now(), lastStep: decision.step }, ...(codes ? { recovery: hashes(sub, codes) } : {}) },
        };
      });
    },

    async removeTotp(sub) {
      return update(sub, (stored) => {
        if (!stored.totp) return { result: false };
        const { totp: _gone, ...rest } = stored;
        return { result: true, next: withoutOrphanCodes(rest) };
      });
    },

    async passkeys(sub) {
      return (await read(sub)).stored.passkeys ?? [];
    },

    async addPasskey(sub, passkey) {
      await update(sub, (stored) => ({ result: undefined, next: { ...stored, passkeys: [...(stored.passkeys ?? []).filter((p) => p.id !== passkey.id), passkey] } }));
    },

    async passkeyUsed(sub, id, counter) {
      return update(sub, (stored) => {
        const passkeys = stored.passkeys ?? [];
        const passkey = passkeys.find((p) => p.id === id);
        if (!passkey) return { result: false };
        // Authenticators that keep no counter always say 0 (passkeys that sync do).
        if ((counter !== 0 || passkey.counter !== 0) && counter <= passkey.counter) return { result: false };
        return { result: true, next: { ...stored, passkeys: passkeys.map((p) => (p.id === id ? { ...p, counter } : p)) } };
      });
    },

    async reset(sub) {
      return update(sub, (stored) =>
        Object.keys(stored).length === 0 ? { result: { removed: false, passkeyIds: [] } } : { result: { removed: hasFactor(stored), passkeyIds: (stored.passkeys ?? []).map((p) => p.id) }, next: {} },
      );
    },

    async removePasskey(sub, id) {
      return update(sub, (stored) => {
        const passkeys = stored.passkeys ?? [];
        if (!passkeys.some((p) => p.id === id)) return { result: false };
        return { result: true, next: withoutOrphanCodes({ ...stored, passkeys: passkeys.filter((p) => p.id !== id) }) };
      });
    },

    async verifyTotp(sub, code, nowMs = Date.now()) {
      return update<TotpCheck>(sub, (stored) => {
        if (!stored.totp) return { result: 'none' };
        const decision = checkTotp({ secretBase32: box.open(stored.totp.secret, aad(sub)), code, nowMs, lastStep: stored.totp.lastStep });
        if (!decision.ok) return { result: decision.reason === 'replayed' ? 'replayed' : 'wrong' };
        return { result: 'ok', next: { ...stored, totp: { ...stored.totp, lastStep: decision.step } } };
      });
    },

    async regenerateRecoveryCodes(sub) {
      return update(sub, (stored) => {
        if (!hasFactor(stored)) return { result: undefined };
        const codes = newRecoveryCodes();
        return { result: codes, next: { ...stored, recovery: hashes(sub, codes) } };
      });
    },

    async useRecoveryCode(sub, code) {
      if (!normalizeRecoveryCode(code)) return false;
      return update(sub, (stored) => {
        const recovery = stored.recovery;
        const pepper = recovery && peppers.get(recovery.kek);
        if (!recovery || !pepper || !hasFactor(stored)) return { result: false };
        const at = recovery.hashes.indexOf(recoveryCodeHash(pepper, sub, code));
        if (at < 0) return { result: false };
        const left = recovery.hashes.map((hash, i) => (i === at ? null : hash));
        return { result: true, next: { ...stored, recovery: { ...recovery, hashes: left } } };
      });
    },
  };
}
