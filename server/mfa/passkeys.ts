// Passkeys (WebAuthn, through @simplewebauthn/server): registering one from the account console,
// and checking an assertion, either as the second step after a password or alone (passwordless,
// a discoverable credential found through the browser's autofill or a button).
//
// Each credential is kept with its account's factors (factors.ts): its id, public key (no secret:
// nothing to seal), signature counter, transports and whether it is a platform authenticator, and
// an index document from the credential id to the account. Every challenge is single use: kept in
// the store for five minutes under a hash of what it belongs to (an account's registration, an
// interaction's sign-in), taken out the first time it is checked.
import { createHash } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Documents, OidcStore } from '../store/types.ts';
import type { Factors, StoredPasskey } from './factors.ts';
import { clientDataProblem, credentialIdOf, type PasskeyFailure } from './passkey-failures.ts';

const CHALLENGES = 'WebAuthnChallenge';
const CHALLENGE_SECONDS = 300;
const INDEX = 'passkey-credentials';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'base64url'));
const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

export interface PasskeyDeps {
  documents: Documents;
  challenges: OidcStore;
  factors: Factors;
  issuer: string;
}

export interface PasskeyUse {
  sub: string;
  /** RFC 8176: swk for a platform authenticator (a passkey on this device or synced), hwk for a security key. */
  method: 'swk' | 'hwk';
  userVerified: boolean;
}

/** What checking an assertion found: the account it signs in, or why not (for operators only). */
export type PasskeyCheck = { ok: true; use: PasskeyUse } | { ok: false; failure: PasskeyFailure };

export function createPasskeys({ documents, challenges, factors, issuer }: PasskeyDeps) {
  const origin = new URL(issuer).origin;
  const rpID = new URL(issuer).hostname;
  const rpName = new URL(issuer).host;
  const slot = (what: string) => createHash('sha256').update(`webauthn:${what}`).digest('base64url');
  const keep = (what: string, challenge: string) => challenges.upsert(CHALLENGES, slot(what), { challenge }, CHALLENGE_SECONDS);
  /** The challenge, used up: of two assertions sent at once with it, one gets it (consume is atomic). */
  async function take(what: string): Promise<string | undefined> {
    const found = await challenges.find(CHALLENGES, slot(what));
    if (typeof found?.challenge !== 'string' || found.consumed || !(await challenges.consume(CHALLENGES, slot(what)))) return undefined;
    return found.challenge;
  }
  const descriptors = (passkeys: StoredPasskey[]) => passkeys.map((p) => ({ id: p.id, transports: p.transports as never }));

  return {
    async registrationOptions(sub: string, userName: string) {
      const options = await generateRegistrationOptions({
        rpName,
        rpID,
        userID: utf8(sub),
        userName,
        attestationType: 'none',
        excludeCredentials: descriptors(await factors.passkeys(sub)),
        // A discoverable credential (a passkey), so it can sign in without a password.
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      });
      await keep(`register:${sub}`, options.challenge);
      return options;
    },

    /** Checks the browser's answer; stores the passkey. False when it does not verify. */
    async register(sub: string, response: RegistrationResponseJSON, name: string): Promise<boolean> {
      const expectedChallenge = await take(`register:${sub}`);
      if (!expectedChallenge) return false;
      const verified = await verifyRegistrationResponse({ response, expectedChallenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: true }).catch(() => undefined);
      const info = verified?.verified ? verified.registrationInfo : undefined;
      if (!info) return false;
      const id = info.credential.id;
      if (!(await documents.insert(INDEX, id, sub))) return false;
      await factors.addPasskey(sub, {
        id,
        publicKey: b64(info.credential.publicKey),
        counter: info.credential.counter,
        transports: (response.response.transports ?? []) as string[],
        platform: response.authenticatorAttachment === 'platform' || (response.response.transports ?? []).includes('internal'),
        name: name.slice(0, 100) || 'Passkey',
        createdAt: Date.now(),
      });
      return true;
    },

    /** Options for a sign-in with a passkey: any discoverable one (no `sub`), or one of `sub`'s. */
    async authenticationOptions(interaction: string, sub?: string) {
      const options = await generateAuthenticationOptions({
        rpID,
        userVerification: sub ? 'preferred' : 'required',
        ...(sub ? { allowCredentials: descriptors(await factors.passkeys(sub)) } : {}),
      });
      await keep(`signin:${interaction}`, options.challenge);
      return options;
    },

    /** The account a credential id is a passkey of, if any: who an assertion claims to be, before
     * it is checked (the throttle's counters and the audit trail name that account). */
    ownerOf: (credentialId: string): Promise<string | undefined> => documents.get(INDEX, credentialId),

    /** Checks an assertion for the interaction: the account it signs in, or why not. With `sub`,
     * only that account's passkeys count (the second step after its password). */
    async authenticate(interaction: string, response: AuthenticationResponseJSON, sub?: string): Promise<PasskeyCheck> {
      const fail = (failure: PasskeyFailure): PasskeyCheck => ({ ok: false, failure });
      const expectedChallenge = await take(`signin:${interaction}`);
      if (!expectedChallenge) return fail('no_challenge');
      const id = credentialIdOf(response);
      const owner = id && (await documents.get(INDEX, id));
      if (!owner) return fail('unknown_credential');
      if (sub && owner !== sub) return fail('other_account');
      const passkey = (await factors.passkeys(owner)).find((p) => p.id === id);
      if (!passkey) return fail('unknown_credential');
      const problem = clientDataProblem(response, { challenge: expectedChallenge, origin });
      if (problem) return fail(problem);
      const verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        credential: { id: passkey.id, publicKey: bytes(passkey.publicKey), counter: passkey.counter, transports: passkey.transports as never },
        requireUserVerification: !sub,
      }).catch(() => undefined);
      if (!verified?.verified) return fail('bad_signature');
      // A counter that does not grow (when the authenticator keeps one) is a cloned key.
      if (!(await factors.passkeyUsed(owner, passkey.id, verified.authenticationInfo.newCounter))) return fail('counter');
      return { ok: true, use: { sub: owner, method: passkey.platform ? 'swk' : 'hwk', userVerified: verified.authenticationInfo.userVerified } };
    },

    /** Every second factor of the account gone, passkeys and their index included. */
    async reset(sub: string): Promise<boolean> {
      const { removed, passkeyIds } = await factors.reset(sub);
      await Promise.all(passkeyIds.map((id) => documents.remove(INDEX, id)));
      return removed;
    },

    async remove(sub: string, id: string): Promise<boolean> {
      const removed = await factors.removePasskey(sub, id);
      if (removed) await documents.remove(INDEX, id);
      return removed;
    },
  };
}

export type Passkeys = ReturnType<typeof createPasskeys>;
