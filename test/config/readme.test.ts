// The README's configuration table lists exactly the variables the schema accepts: a variable
// added to the schema without a line in the table (or a line for one that is gone) fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { envSchema } from '../../config/schema.ts';

describe("the README's configuration table", () => {
  it('names every variable the schema accepts, and no other', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.split(/^## /m).find((part) => part.startsWith('Configuration'));
    expect(section, 'a "## Configuration" section').to.be.a('string');
    const documented = [...section!.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
    expect(new Set(documented).size, 'each variable once').to.equal(documented.length);
    expect([...documented].sort()).to.deep.equal(Object.keys(envSchema.shape).sort());
  });
});
