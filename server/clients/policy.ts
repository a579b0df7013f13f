// Latchkey's own rules for client metadata, on top of oidc-provider's validation (which allows
// what the specifications allow). In production:
// - redirect and post-logout URIs must be https, or http on a loopback address (RFC 8252 §7.3,
//   native apps), or a private-use scheme (RFC 8252 §7.1); plain http elsewhere sends codes and
//   tokens across the network in the clear;
// Always:
// - a client secret must have at least 32 characters: it is the whole of a confidential
//   client's authentication, and guessable ones are guessed.
import type { ClientMetadata } from 'oidc-provider';
import { LatchkeyError } from '../errors.ts';

export const MIN_CLIENT_SECRET_LENGTH = 32;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface ClientPolicy {
  production: boolean;
}

function uriProblem(field: string, uri: string): string | undefined {
  const url = URL.parse(uri);
  if (!url) return undefined; // oidc-provider refuses it with its own words
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    return `${field}: ${uri} uses plain http; use https (http is allowed only on localhost, 127.0.0.1 or [::1])`;
  }
  return undefined;
}

export function clientProblems(metadata: ClientMetadata, policy: ClientPolicy): string[] {
  const problems: string[] = [];
  if (policy.production) {
    for (const field of ['redirect_uris', 'post_logout_redirect_uris'] as const) {
      for (const uri of (metadata[field] as string[] | undefined) ?? []) {
        const problem = uriProblem(field, uri);
        if (problem) problems.push(problem);
      }
    }
  }
  const secret = metadata.client_secret;
  if (typeof secret === 'string' && [...secret].length < MIN_CLIENT_SECRET_LENGTH) {
    problems.push(`client_secret: must have at least ${MIN_CLIENT_SECRET_LENGTH} characters; leave it out and one is generated`);
  }
  return problems;
}

/** Throws the problems as one invalid_client_metadata error. */
export function checkClient(metadata: ClientMetadata, policy: ClientPolicy): void {
  const problems = clientProblems(metadata, policy);
  if (problems.length) throw new LatchkeyError(400, 'invalid_client_metadata', problems.join('; '));
}
