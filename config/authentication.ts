// Names shared by the provider's configuration (acrValues, discovery) and the second-factor
// domain (server/mfa/): the acr values Latchkey sets and the global second-factor policy.

/** acr of a sign-in with the password alone, and with a second factor too. */
export const ACR_PASSWORD = 'urn:latchkey:acr:pwd';
export const ACR_MFA = 'urn:latchkey:acr:mfa';
export const ACR_VALUES = [ACR_PASSWORD, ACR_MFA] as const;

/** MFA_POLICY: `optional` (who set up a factor is asked for it), `adaptive` (who set one up is
 * asked for it when the risk model finds the sign-in unusual), `required` (everyone needs one). */
export const MFA_POLICIES = ['optional', 'adaptive', 'required'] as const;
export type MfaPolicy = (typeof MFA_POLICIES)[number];
