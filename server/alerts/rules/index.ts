// Every alert rule, in the order they are evaluated and documented.
import type { RuleDefinition } from '../rule.ts';
import { adminOffHours } from './admin-off-hours.ts';
import { failedSignInsPerAccount, failedSignInsPerIp } from './failed-signins.ts';
import { impossibleTravel } from './impossible-travel.ts';
import { signingKeyRevoked } from './key-revoked.ts';
import { newCountry } from './new-country.ts';
import { passwordSpraying } from './password-spraying.ts';
import { refreshTokenReuse } from './refresh-reuse.ts';
import { unusualSignIn, unusualSignInRefused } from './unusual-signin.ts';

export const RULES: readonly RuleDefinition[] = [
  failedSignInsPerAccount,
  failedSignInsPerIp,
  passwordSpraying,
  refreshTokenReuse,
  newCountry,
  impossibleTravel,
  unusualSignIn,
  unusualSignInRefused,
  signingKeyRevoked,
  adminOffHours,
];
