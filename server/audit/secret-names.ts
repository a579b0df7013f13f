// Field names that would carry a secret. Audit events are read by more people and kept longer
// than anything else Latchkey writes, so a field named like a secret is refused outright, in the
// catalogue's own definitions (at import) and in the free-form evidence of alerts, rather than
// trusting every caller to fill it with something harmless.
import { z } from 'zod';

// Compared after lower-casing and dropping everything but letters and digits, so `access_token`,
// `accessToken` and `Access-Token` are one name.
const EXACT = new Set([
  'code',
  'authorizationcode',
  'devicecode',
  'usercode',
  'otp',
  'pin',
  'authorization',
  // An opaque token's value is its id (oidc-provider), and a session id is the session cookie.
  'jti',
  'tokenid',
  'sessionid',
  'tokenvalue',
]);
const SUFFIXES = ['token', 'secret', 'password', 'passwd', 'passphrase', 'cookie', 'privatekey', 'privatejwk', 'assertion', 'apikey', 'credential', 'credentials'];

const normalise = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Whether a field of this name would, going by its name, hold a secret. */
export function secretLookingName(name: string): boolean {
  const n = normalise(name);
  return EXACT.has(n) || SUFFIXES.some((suffix) => n.endsWith(suffix));
}

/** Paths of every secret-looking field name in an object schema, nested objects included. */
export function secretNamedFields(schema: z.ZodType, path = ''): string[] {
  const found: string[] = [];
  const visit = (s: z.ZodType, at: string) => {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) {
      visit(s.unwrap() as z.ZodType, at);
    } else if (s instanceof z.ZodArray) {
      visit(s.element as z.ZodType, `${at}[]`);
    } else if (s instanceof z.ZodUnion || s instanceof z.ZodDiscriminatedUnion) {
      for (const option of s.options as z.ZodType[]) visit(option, at);
    } else if (s instanceof z.ZodObject) {
      for (const [name, field] of Object.entries(s.shape as Record<string, z.ZodType>)) {
        const here = at ? `${at}.${name}` : name;
        if (secretLookingName(name)) found.push(here);
        visit(field, here);
      }
    }
  };
  visit(schema, path);
  return [...new Set(found)];
}
