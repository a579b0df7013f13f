// Password hashing: the lk2 scheme (HMAC-SHA256 with a pepper from KEYS_ENCRYPTION_KEY, then
// bcrypt), the whole password counting, legacy bcrypt hashes still verifying, peppers of older
// listed keys, and the bound on bcrypt's queue.
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import { expect } from 'chai';
import { BUSY, BUSY_RETRY_AFTER_SECONDS, createPasswords } from '../../server/accounts/passwords.ts';
import { fingerprint } from '../../server/crypto/sealed-box.ts';
import { LatchkeyError } from '../../server/errors.ts';

const COST = 4;
/** Exactly how a hash was made before lk2 (passwords.ts at e8f94f2): bcrypt of the raw password. */
const legacyHash = (password: string, cost = COST) => bcrypt.hash(password, cost);

// 72 bytes: all bcrypt reads of its input.
const SEVENTY_TWO = 'the quick brown fox jumps over the lazy dog while seven owls watch it ok';

describe('passwords', () => {
  const key = randomBytes(32);
  const passwords = createPasswords(COST, [key]);

  it('stores lk2$<key fingerprint>$<bcrypt>, never the password', async () => {
    const hash = await passwords.hash('plum velvet orbit');
    expect(hash).to.match(new RegExp(`^lk2\\$${fingerprint(key)}\\$\\$2b\\$04\\$.{53}$`));
    expect(hash).to.not.include('plum');
    expect(await passwords.verify('plum velvet orbit', hash)).to.equal(true);
    expect(await passwords.verify('plum velvet orbiT', hash)).to.equal(false);
    expect(passwords.needsRehash(hash)).to.equal(false);
  });

  it('counts the whole password: 72 bytes and then anything is not the same password', async () => {
    expect(Buffer.byteLength(SEVENTY_TWO)).to.equal(72);
    const hash = await passwords.hash(SEVENTY_TWO);
    expect(await passwords.verify(SEVENTY_TWO, hash)).to.equal(true);
    expect(await passwords.verify(`${SEVENTY_TWO} and some junk`, hash)).to.equal(false);
    const longer = await passwords.hash(`${SEVENTY_TWO}!`);
    expect(await passwords.verify(SEVENTY_TWO, longer)).to.equal(false);
  });

  it('hashes 64 non-ASCII characters (192 bytes), the last one counting', async () => {
    const password = Array.from({ length: 64 }, (_, i) => String.fromCodePoint(0x4e00 + i * 11)).join('');
    expect(Buffer.byteLength(password)).to.equal(192);
    const hash = await passwords.hash(password);
    expect(await passwords.verify(password, hash)).to.equal(true);
    expect(await passwords.verify(`${password.slice(0, -1)}字`, hash)).to.equal(false);
  });

  it('verifies the NFD form of a password set in NFC', async () => {
    const nfc = 'crème brûlée à la française'.normalize('NFC');
    const hash = await passwords.hash(nfc);
    expect(await passwords.verify(nfc.normalize('NFD'), hash)).to.equal(true);
  });

  describe('legacy hashes (plain bcrypt of the raw password)', () => {
    it('verify, and ask to be rehashed', async () => {
      const hash = await legacyHash('plum velvet orbit');
      expect(await passwords.verify('plum velvet orbit', hash)).to.equal(true);
      expect(await passwords.verify('plum velvet orbiT', hash)).to.equal(false);
      expect(passwords.needsRehash(hash)).to.equal(true);
    });

    it('refuse the real password plus junk after 72 bytes, which bcrypt alone accepts', async () => {
      const hash = await legacyHash(SEVENTY_TWO);
      expect(await bcrypt.compare(`${SEVENTY_TWO}junk`, hash), 'bcrypt truncates').to.equal(true);
      expect(await passwords.verify(SEVENTY_TWO, hash)).to.equal(true);
      expect(await passwords.verify(`${SEVENTY_TWO}junk`, hash)).to.equal(false);
    });
  });

  describe('peppers under KEYS_ENCRYPTION_KEY rotation', () => {
    const older = randomBytes(32);
    const newer = randomBytes(32);

    it('verifies a hash made under an older key while it is listed, and asks to rehash it', async () => {
      const hash = await createPasswords(COST, [older]).hash('plum velvet orbit');
      const rotated = createPasswords(COST, [newer, older]);
      expect(await rotated.verify('plum velvet orbit', hash)).to.equal(true);
      expect(await rotated.verify('plum velvet orbiT', hash)).to.equal(false);
      expect(rotated.needsRehash(hash)).to.equal(true);
      const fresh = await rotated.hash('plum velvet orbit');
      expect(fresh.startsWith(`lk2$${fingerprint(newer)}$`)).to.equal(true);
      expect(rotated.needsRehash(fresh)).to.equal(false);
    });

    it('does not verify it once the key is no longer listed, nor when relabelled with a listed key', async () => {
      const hash = await createPasswords(COST, [older]).hash('plum velvet orbit');
      expect(await createPasswords(COST, [newer]).verify('plum velvet orbit', hash)).to.equal(false);
      // The pepper is what verifies, not the name: a hash relabelled with the newer key's
      // fingerprint does not verify under it.
      const relabelled = hash.replace(fingerprint(older), fingerprint(newer));
      expect(await createPasswords(COST, [newer]).verify('plum velvet orbit', relabelled)).to.equal(false);
    });

    it('asks to rehash a hash made at another cost', async () => {
      const hash = await createPasswords(COST, [key]).hash('plum velvet orbit');
      expect(createPasswords(COST + 1, [key]).needsRehash(hash)).to.equal(true);
    });
  });

  it('refuses a hash that is not one, at the cost of a wrong password', async () => {
    expect(await passwords.verify('plum velvet orbit', 'not a hash')).to.equal(false);
    expect(passwords.needsRehash('not a hash')).to.equal(false);
    expect(await passwords.verifyNothing('plum velvet orbit')).to.equal(false);
  });

  describe('the bound on the queue', () => {
    it('runs `concurrency` jobs, queues `maxQueued` more, and sheds the next with a 503 at once', async () => {
      const bounded = createPasswords(COST, [key], { concurrency: 1, maxQueued: 2 });
      const hash = await bounded.hash('plum velvet orbit');
      const settled = await Promise.allSettled([
        bounded.verify('plum velvet orbit', hash), // runs
        bounded.verify('plum velvet orbit', hash), // waits
        bounded.verifyNothing('plum velvet orbit'), // waits (the decoy's hash)
        bounded.verify('plum velvet orbit', hash), // shed
        bounded.hash('plum velvet orbit'), // shed
      ]);
      expect(settled.map((s) => s.status)).to.deep.equal(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
      for (const result of settled.slice(3)) {
        const error = (result as PromiseRejectedResult).reason as LatchkeyError;
        expect(error).to.be.instanceOf(LatchkeyError);
        expect(error).to.include({ status: 503, error: 'temporarily_unavailable', expose: true, retryAfter: BUSY_RETRY_AFTER_SECONDS });
        expect(error.message).to.equal(BUSY);
      }
      // Drained: the next job is admitted.
      expect(await bounded.verify('plum velvet orbit', hash)).to.equal(true);
    });

    it('queues four jobs per worker by default', async () => {
      const bounded = createPasswords(COST, [key], { concurrency: 2 });
      const hash = await bounded.hash('plum velvet orbit');
      const settled = await Promise.allSettled(Array.from({ length: 11 }, () => bounded.verify('plum velvet orbit', hash)));
      expect(settled.filter((s) => s.status === 'fulfilled')).to.have.length(2 + 8);
    });

    it('sheds an unknown account as it sheds a known one', async () => {
      const bounded = createPasswords(COST, [key], { concurrency: 1, maxQueued: 0 });
      const hash = await bounded.hash('plum velvet orbit');
      await bounded.verifyNothing('warm the decoy');
      const busy = bounded.verify('plum velvet orbit', hash);
      const [known, unknown] = await Promise.allSettled([bounded.verify('x', hash), bounded.verifyNothing('x')]);
      await busy;
      expect(known.status).to.equal('rejected');
      expect(unknown.status).to.equal('rejected');
    });
  });
});
