// Whether an event (or anything else headed for a log) holds one of a set of known secrets: the
// whole-suite secret scan hands it every token, code, password and key a test run produced, and
// every event the run recorded. Pure: a walk over the value, no I/O.
//
// A secret counts as found when any string in the value (a field value or a field name, at any
// depth) contains the secret, or a piece of it at least `minOverlap` characters long, so that a
// token cut short or wrapped in other text is caught too. Comparison is exact (case matters):
// secrets here are base64url or hex strings, and folding case would only add false alarms.

export interface SecretFinding {
  /** Where: `a.b[2]`, with `{key}` when the secret is in a field name. */
  path: string;
  /** Which secret, by its position in the list given, never the secret itself. */
  secret: number;
}

export interface ScanOptions {
  /** The shortest piece of a secret that counts (default 12). Shorter secrets must appear whole. */
  minOverlap?: number;
}

export function findSecrets(value: unknown, secrets: readonly string[], options: ScanOptions = {}): SecretFinding[] {
  const minOverlap = options.minOverlap ?? 12;
  if (!Number.isInteger(minOverlap) || minOverlap < 8) throw new RangeError('minOverlap must be an integer of at least 8');
  // Every window of minOverlap characters of every secret, in one map: a string is then checked
  // by sliding one window over it, whatever the number of secrets (a whole test suite's worth).
  const windows = new Map<string, number[]>();
  const short: [string, number][] = [];
  secrets.forEach((secret, i) => {
    // A one-character "secret" would be found everywhere: refuse rather than cry wolf.
    if (typeof secret !== 'string' || secret.length < 8) throw new RangeError(`secret ${i} is shorter than 8 characters`);
    if (secret.length < minOverlap) return short.push([secret, i]);
    for (let at = 0; at + minOverlap <= secret.length; at++) {
      const piece = secret.slice(at, at + minOverlap);
      const owners = windows.get(piece);
      if (!owners) windows.set(piece, [i]);
      else if (!owners.includes(i)) owners.push(i);
    }
  });
  const findings: SecretFinding[] = [];
  const check = (text: string, path: string) => {
    const found = new Set<number>();
    for (let at = 0; at + minOverlap <= text.length; at++) windows.get(text.slice(at, at + minOverlap))?.forEach((i) => found.add(i));
    for (const [secret, i] of short) if (text.includes(secret)) found.add(i);
    for (const secret of [...found].sort((a, b) => a - b)) findings.push({ path, secret });
  };
  const seen = new Set<object>();
  const visit = (node: unknown, path: string) => {
    if (typeof node === 'string') return check(node, path || '(value)');
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) return node.forEach((item, i) => visit(item, `${path}[${i}]`));
    for (const [key, item] of Object.entries(node)) {
      const here = path ? `${path}.${key}` : key;
      check(key, `${here}{key}`);
      visit(item, here);
    }
  };
  visit(value, '');
  return findings;
}

/** Whether the value holds none of the secrets. */
export function containsNoSecret(value: unknown, secrets: readonly string[], options?: ScanOptions): boolean {
  return findSecrets(value, secrets, options).length === 0;
}
