// The common-password list the policy refuses: the ranked list of @zxcvbn-ts/language-common
// (MIT), 49,233 passwords seen most often in breaches, the one zxcvbn scores passwords against.
// It ships inside the package (no network at run time); the set is built on first use (~10 ms),
// lower-cased and NFKC-normalised like the passwords it is compared with.
import { dictionary } from '@zxcvbn-ts/language-common';

let common: ReadonlySet<string> | undefined;

/** Whether `candidate` (NFKC-normalised, lower-cased) is on the list. */
export function isListedPassword(candidate: string): boolean {
  common ??= new Set(dictionary['passwords-common'].map((entry) => entry.normalize('NFKC').toLowerCase()));
  return common.has(candidate);
}
