// What an error page says of an OAuth error oidc-provider refused a request with, to the person
// who landed on it: plain words, by error code. The library's own description is written for the
// app's developers and may echo what the request carried; it goes to the operator log with the
// request id the page shows (observability/refusals.ts), and to the app in JSON or a redirect,
// never onto the page. What to do next is the template's (views/error.njk).

const APP_PROBLEM = 'This is a problem with the app, not with your account.';

const WORDS: Record<string, string> = {
  invalid_redirect_uri: `The app asked us to send you back to an address it has not registered with us, so we stopped here to keep your account safe. ${APP_PROBLEM}`,
  invalid_client: `We do not recognise the app that sent you here, or it may not sign people in this way. ${APP_PROBLEM}`,
  unauthorized_client: `The app that sent you here may not ask for this. ${APP_PROBLEM}`,
  access_denied: 'Access was not granted to the app.',
  login_required: 'You need to sign in again first.',
  consent_required: 'The app needs your permission first.',
  interaction_required: 'You need to sign in again first.',
  temporarily_unavailable: 'The service is briefly unavailable. Try again shortly.',
};

/** The words for a person, by the OAuth error code; any code not listed is a request the app got wrong. */
export function personWords(error: string, status: number): string {
  if (error === 'temporarily_unavailable') return WORDS.temporarily_unavailable!;
  if (status >= 500) return 'Something went wrong on our side. Try again in a moment.';
  return WORDS[error] ?? `The app sent a request we cannot accept. ${APP_PROBLEM}`;
}
