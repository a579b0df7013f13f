// Dynamic client registration (RFC 7591) and management (RFC 7592): oidc-provider's
// `features.registration` and `features.registrationManagement` (docs/README.md), off unless
// DYNAMIC_REGISTRATION. Every registration presents an initial access token that an operator
// issued (`latchkey clients registration-token`, admin/registration-tokens.ts); the store keeps
// such tokens, and the registration access tokens issued with each client, only as HMACs of their
// value (records.ts).
//
// Each initial access token carries the `latchkey` policy, which oidc-provider runs before its
// own validation, on registration and (carried over to the registration access token) on every
// RFC 7592 update:
// - Latchkey's client rules, the ones `clients add` obeys (clients/policy.ts: no plain-http
//   redirect URIs off loopback in production), passed in as `problems`;
// - what only an operator may give a client is refused: APIs it may get tokens for
//   (allowed_resources) and APIs it serves, whose tokens it could then introspect;
// - what a client asks for and cannot use is dropped, as RFC 7591 §3.2.1 lets a server replace
//   requested values (the response tells the client what was registered): response and grant
//   types of the implicit and hybrid flows Latchkey does not offer, when the code flow remains
//   (mod_auth_openidc asks for every flow it knows); redirect URIs of a client that registers no
//   flow that redirects (oidc-agent's device-flow clients send a few, with a private-use scheme
//   oidc-provider refuses for a web application);
// - a single-use token (no `reusable` policy) is consumed, atomically, once the metadata has
//   passed every check: of two registrations with it at once, one wins, and a refused one leaves
//   it usable.
import { errors, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { presentedInitialAccessToken } from './internals.ts';

export const REGISTRATION_POLICY = 'latchkey';
/** Marks an initial access token that may register several clients until it expires. */
export const REUSABLE_POLICY = 'reusable';
/** The one response type Latchkey serves (configuration.ts responseTypes). */
const RESPONSE_TYPES = ['code'];
/** Metadata only the admin API sets. */
const OPERATOR_ONLY = ['allowed_resources', 'serves_resources'] as const;

type Features = NonNullable<Configuration['features']>;

export interface RegistrationDeps {
  /** Latchkey's rules for client metadata (clients/policy.ts): the problems, or none. */
  problems: (metadata: ClientMetadata) => string[];
  /** Marks an initial access token used; false when it already was (the store decides). */
  consumeInitialAccessToken: (jti: string) => Promise<boolean>;
}

/** Off when `deps` is undefined. */
export function registrationFeatures(deps: RegistrationDeps | undefined): Pick<Features, 'registration' | 'registrationManagement'> {
  if (!deps) return { registration: { enabled: false }, registrationManagement: { enabled: false } };
  const { problems, consumeInitialAccessToken } = deps;
  const latchkey = async (ctx: KoaContextWithOIDC, properties: ClientMetadata) => {
    dropWhatCannotBeUsed(properties);
    for (const field of OPERATOR_ONLY) {
      if (properties[field] !== undefined) throw new errors.InvalidClientMetadata(`${field} is set by an administrator (latchkey clients add), not by registration`);
    }
    // oidc-provider's own validation first (it runs again after this policy): Latchkey's rules
    // then read well-formed metadata, and metadata it refuses does not use up a single-use token.
    await ctx.oidc.provider.Client.validate(properties);
    const found = problems(properties);
    if (found.length > 0) throw new errors.InvalidClientMetadata(found.join('; '));
    const iat = presentedInitialAccessToken(ctx);
    if (iat && !iat.policies?.includes(REUSABLE_POLICY) && !(await consumeInitialAccessToken(iat.jti))) {
      throw new errors.InvalidToken('initial access token already used');
    }
  };
  return {
    registration: {
      enabled: true,
      // Tokens are oidc-provider's InitialAccessToken model, kept by Latchkey's adapter.
      initialAccessToken: true,
      policies: { [REGISTRATION_POLICY]: latchkey, [REUSABLE_POLICY]: () => undefined },
      issueRegistrationAccessToken: true,
    },
    // Every update gets a new registration access token; the old one stops working.
    registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
  };
}

/** Drops the implicit and hybrid flows from a request that also asks for the code flow, and the
 * redirect URIs of a client that asks for no flow that redirects (a device-flow client). */
export function dropWhatCannotBeUsed(properties: ClientMetadata): void {
  const responseTypes = properties.response_types;
  if (Array.isArray(responseTypes) && responseTypes.some((type) => RESPONSE_TYPES.includes(type))) {
    properties.response_types = responseTypes.filter((type) => RESPONSE_TYPES.includes(type));
    if (Array.isArray(properties.grant_types)) properties.grant_types = properties.grant_types.filter((grant) => grant !== 'implicit');
  }
  const redirects = Array.isArray(properties.grant_types) && (properties.grant_types.includes('authorization_code') || properties.grant_types.includes('implicit'));
  if (Array.isArray(properties.response_types) && properties.response_types.length === 0 && !redirects) delete properties.redirect_uris;
}
