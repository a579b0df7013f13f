// Hashing ids for audit events: stable under one key, different under another, never the id.
import { expect } from 'chai';
import { idHash } from '../../server/audit/fields.ts';
import { createIdHasher, ID_HASH_LENGTH } from '../../server/audit/ids.ts';

describe('audit id hashes', () => {
  const key = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
  const hash = createIdHasher(key);

  it('is HMAC-SHA256 of kind, NUL and id, cut to 16 bytes, base64url (a known answer, so hashes stay joinable across releases)', () => {
    expect(hash('token', 'abc')).to.equal('XYJd7WeFguw4FT7X2XRdOA');
  });

  it('gives equal hashes for equal ids, 22 base64url characters that the catalogue accepts as a hash', () => {
    const id = 'Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg';
    expect(hash('token', id)).to.equal(hash('token', id));
    expect(hash('token', id)).to.have.length(ID_HASH_LENGTH).and.match(/^[A-Za-z0-9_-]+$/);
    expect(idHash.safeParse(hash('token', id)).success).to.equal(true);
    expect(hash('token', id)).to.not.include(id.slice(0, 8));
  });

  it('differs between ids, between kinds of id, and between keys', () => {
    expect(hash('token', 'a')).to.not.equal(hash('token', 'b'));
    expect(hash('token', 'a')).to.not.equal(hash('session', 'a'));
    expect(createIdHasher(Buffer.alloc(32, 1))('token', 'a')).to.not.equal(hash('token', 'a'));
  });

  it('refuses a short key, an unknown kind and an empty id', () => {
    expect(() => createIdHasher(Buffer.alloc(31))).to.throw(RangeError, /32 bytes/);
    expect(() => hash('cookie' as 'token', 'x')).to.throw(TypeError);
    expect(() => hash('token', '')).to.throw(TypeError);
  });

  it('copies the key, so the caller zeroing its buffer changes nothing', () => {
    const mine = Buffer.alloc(32, 9);
    const hasher = createIdHasher(mine);
    const before = hasher('grant', 'g');
    mine.fill(0);
    expect(hasher('grant', 'g')).to.equal(before);
  });
});
