// The secret scan: any known secret, whole or in part, anywhere in an event, is found and named
// by its position; nothing else is.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { containsNoSecret, findSecrets } from '../../server/audit/secret-scan.ts';
import { SAMPLES } from './samples.ts';

describe('secret scan', () => {
  const token = 'Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg';
  const password = 'correct horse battery staple';
  const secrets = [token, password];

  it('finds nothing in the catalogue samples', () => {
    for (const event of Object.values(SAMPLES)) expect(findSecrets(event, secrets)).to.deep.equal([]);
    expect(containsNoSecret(SAMPLES['token.issued'], secrets)).to.equal(true);
  });

  it('finds a whole secret in a field and names where and which, not what', () => {
    const findings = findSecrets({ ...SAMPLES['token.issued'], requestId: token }, secrets);
    expect(findings).to.deep.equal([{ path: 'requestId', secret: 0 }]);
    expect(JSON.stringify(findings)).to.not.include(token);
  });

  it('finds a secret inside other text, cut short, nested in arrays and objects, or as a field name', () => {
    expect(findSecrets({ error: `invalid token ${token} presented` }, secrets)).to.deep.equal([{ path: 'error', secret: 0 }]);
    expect(findSecrets({ a: [{ b: `…${token.slice(20, 32)}…` }] }, secrets)).to.deep.equal([{ path: 'a[0].b', secret: 0 }]);
    expect(findSecrets({ evidence: { [password]: 1 } }, secrets)).to.deep.equal([{ path: `evidence.${password}{key}`, secret: 1 }]);
    expect(findSecrets(token, secrets)).to.deep.equal([{ path: '(value)', secret: 0 }]);
  });

  it('counts a piece of a secret from minOverlap characters on, and not shorter', () => {
    expect(findSecrets({ note: token.slice(5, 16) }, secrets)).to.deep.equal([]);
    expect(findSecrets({ note: token.slice(5, 17) }, secrets)).to.deep.equal([{ path: 'note', secret: 0 }]);
    expect(findSecrets({ note: token.slice(5, 13) }, secrets, { minOverlap: 8 })).to.have.length(1);
  });

  it('compares case exactly: base64url secrets differ by case', () => {
    expect(findSecrets({ note: token.toLowerCase() }, [token])).to.deep.equal([]);
  });

  it('needs a short secret whole', () => {
    expect(findSecrets({ note: 'pw=hunter22!' }, ['hunter22'])).to.have.length(1);
    expect(findSecrets({ note: 'pw=hunter2' }, ['hunter22'])).to.deep.equal([]);
  });

  it('refuses secrets too short to tell from ordinary text, and a tiny overlap', () => {
    expect(() => findSecrets({}, ['abc'])).to.throw(RangeError, /secret 0/);
    expect(() => findSecrets({}, [token], { minOverlap: 4 })).to.throw(RangeError);
  });

  it('tells which of thousands of secrets it found, at once', () => {
    const many = Array.from({ length: 5000 }, () => randomBytes(32).toString('base64url'));
    const started = performance.now();
    const findings = findSecrets({ ...SAMPLES['token.issued'], requestId: many[4321]!.slice(3, 30) }, many);
    expect(findings).to.deep.equal([{ path: 'requestId', secret: 4321 }]);
    expect(performance.now() - started).to.be.below(2000);
  });

  it('survives cycles and ignores numbers and booleans', () => {
    const cyclic: Record<string, unknown> = { n: 12345678901234, ok: true };
    cyclic.self = cyclic;
    expect(findSecrets(cyclic, ['12345678901234'])).to.deep.equal([]);
  });
});
