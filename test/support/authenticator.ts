// A software WebAuthn authenticator, without a browser: makes a P-256 credential for the
// registration options Latchkey sends (attestation "none", as a platform passkey answers) and
// signs assertions for its sign-in options, exactly as an authenticator does (authenticator data
// and the client data's hash, ES256). It can also answer as an attacker would: for another origin,
// over a tampered signature, for a challenge of its own choosing.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

// Flags of authenticator data: user present, user verified, attested credential data.
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

interface Credential {
  id: string;
  rpId: string;
  userHandle: string;
  privateKey: KeyObject;
  counter: number;
}

export class SoftwareAuthenticator {
  readonly origin: string;
  readonly credentials: Credential[] = [];

  constructor(origin: string) {
    this.origin = origin;
  }

  #authData(rpId: string, flags: number, counter: number, attested?: Uint8Array): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
  }

  #clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** A new passkey for the options: what navigator.credentials.create() would answer. */
  register(options: PublicKeyCredentialCreationOptionsJSON): RegistrationResponseJSON {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const idBytes = randomBytes(16);
    // COSE_Key: kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
        [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
      ]),
    );
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(idBytes.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, idBytes, Buffer.from(cose)]);
    const rpId = options.rp.id!;
    const authData = this.#authData(rpId, UP | UV | AT, 0, attested);
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', new Uint8Array(authData)]]) as never);
    const id = b64(idBytes);
    this.credentials.push({ id, rpId, userHandle: options.user.id, privateKey, counter: 0 });
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: { clientDataJSON: b64(this.#clientData('webauthn.create', options.challenge, this.origin)), attestationObject: b64(attestationObject), transports: ['internal', 'hybrid'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /**
   * An assertion for the sign-in options: what navigator.credentials.get() would answer, with
   * this authenticator's first credential (or `credential`). `forge` answers as an attacker:
   * another origin, another challenge, a signature that does not verify.
   */
  assert(options: PublicKeyCredentialRequestOptionsJSON, forge: { origin?: string; challenge?: string; badSignature?: boolean; credential?: Credential } = {}): AuthenticationResponseJSON {
    const credential = forge.credential ?? this.credentials[0];
    if (!credential) throw new Error('this authenticator has no credential');
    credential.counter += 1;
    const authData = this.#authData(options.rpId ?? credential.rpId, UP | UV, credential.counter);
    const clientData = this.#clientData('webauthn.get', forge.challenge ?? options.challenge, forge.origin ?? this.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), credential.privateKey);
    if (forge.badSignature) signature[signature.length - 1]! ^= 0x01;
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: { clientDataJSON: b64(clientData), authenticatorData: b64(authData), signature: b64(signature), userHandle: credential.userHandle },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
