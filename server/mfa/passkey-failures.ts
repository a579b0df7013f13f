// Why a passkey assertion was not accepted, in words for operators only (the audit trail, the
// log): the person is told the same "not accepted" whatever it was. Pure: the client data is
// read here before @simplewebauthn/server checks it, so that a relayed assertion (another
// origin) and a replayed one (another sign-in's challenge) are told apart from a bad signature
// without reading the library's error messages.

export const PASSKEY_FAILURES = [
  /** The sign-in's challenge was used already, expired, or never asked for. */
  'no_challenge',
  /** A credential id no account has. */
  'unknown_credential',
  /** At the second step, a passkey of another account than the one whose password was given. */
  'other_account',
  /** Client data that is not a WebAuthn assertion's. */
  'malformed',
  /** Signed for another origin: a page elsewhere relaying the sign-in (phishing). */
  'wrong_origin',
  /** Signed over another challenge: an assertion of another sign-in, replayed. */
  'wrong_challenge',
  /** The signature, the relying party or the user verification did not check out. */
  'bad_signature',
  /** The signature counter did not grow: a cloned authenticator. */
  'counter',
] as const;

export type PasskeyFailure = (typeof PASSKEY_FAILURES)[number];

/** The credential id an assertion names, when it is one worth looking up. */
export function credentialIdOf(response: unknown): string | undefined {
  const id = (response as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' && id.length > 0 && id.length <= 1400 ? id : undefined;
}

/** What is wrong with an assertion's client data for this challenge and origin, if anything. */
export function clientDataProblem(response: unknown, expected: { challenge: string; origin: string }): PasskeyFailure | undefined {
  const encoded = (response as { response?: { clientDataJSON?: unknown } } | null | undefined)?.response?.clientDataJSON;
  if (typeof encoded !== 'string' || encoded.length > 4096) return 'malformed';
  let data: { type?: unknown; challenge?: unknown; origin?: unknown };
  try {
    data = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as typeof data;
  } catch {
    return 'malformed';
  }
  if (data === null || typeof data !== 'object' || data.type !== 'webauthn.get') return 'malformed';
  if (data.origin !== expected.origin) return 'wrong_origin';
  if (data.challenge !== expected.challenge) return 'wrong_challenge';
  return undefined;
}
