// @ts-check
// The example SPA: a public client (no secret) using oidc-client-ts. Authorization code + PKCE,
// ID token claims, calls to the example API with an access token meant for it (RFC 8707), silent
// refresh with refresh-token rotation, and sign-out through Latchkey (RP-initiated logout).

/** oidc-client-ts's browser build (/vendor/oidc-client-ts.js) defines the global `oidc`. */
/** @type {typeof import('oidc-client-ts')} */
const oidc = /** @type {any} */ (window).oidc;
const { UserManager, WebStorageStateStore } = oidc;

/** @type {{ latchkeyUrl: string, clientId: string, apiUrl: string, apiResource: string, apiScope: string }} */
const config = await (await fetch('/config.json')).json();

const manager = new UserManager({
  authority: config.latchkeyUrl,
  client_id: config.clientId,
  redirect_uri: `${location.origin}/callback`,
  post_logout_redirect_uri: `${location.origin}/`,
  // offline_access asks for a refresh token; OpenID Connect grants it only with prompt=consent.
  // The API's scope, with the API named as the resource, makes the access token one for that API
  // (an RFC 9068 JWT): Latchkey then puts the profile claims in the ID token instead of userinfo.
  scope: `openid profile email offline_access ${config.apiScope}`,
  resource: config.apiResource,
  prompt: 'consent',
  // Every tab of the app shares one user (and so one refresh token) in localStorage: a tab that
  // refreshes hands the rotated token to the others. Tabs that refresh at the very same moment
  // present the same refresh token; Latchkey's REFRESH_TOKEN_REUSE_GRACE_SECONDS lets that be.
  userStore: new WebStorageStateStore({ store: window.localStorage }),
  // Latchkey answers a revocation with an empty text/plain 200 (RFC 7009 says to ignore the body).
  revokeTokenAdditionalContentTypes: ['text/plain'],
  // Renew with the refresh token a minute before the access token expires.
  automaticSilentRenew: true,
  // Sign-out revokes the refresh token (and with it the sign-in's grant) before ending Latchkey's
  // session. The access token is a JWT the API checks offline: it cannot be revoked, and stays
  // good until it expires.
  revokeTokensOnSignout: true,
  revokeTokenTypes: ['refresh_token'],
});

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
let refreshes = 0;

/** @param {string} text */
function status(text) {
  $('status').textContent = text;
}

/** @param {string | undefined} text */
function showError(text) {
  $('error').hidden = !text;
  $('error').textContent = text ?? '';
}

/** @param {unknown} error */
function describe(error) {
  const e = /** @type {{ error?: string, error_description?: string, message?: string }} */ (error);
  if (e?.error === 'access_denied') return `You did not allow this app to access your account (access_denied: ${e.error_description ?? 'no reason given'}).`;
  if (e?.error) return `Latchkey answered ${e.error}${e.error_description ? `: ${e.error_description}` : ''}.`;
  return `Something went wrong: ${e?.message ?? String(error)}`;
}

/** The refresh token is no longer good (revoked, expired, or replayed): the person signs in again. */
async function sessionEnded(/** @type {unknown} */ error) {
  await manager.removeUser();
  await render();
  showError(`Your session has ended. ${describe(error)} Sign in again.`);
}

async function render() {
  const user = await manager.getUser();
  const signedIn = Boolean(user && (!user.expired || user.refresh_token));
  $('signed-in').hidden = !signedIn;
  $('signed-out').hidden = signedIn;
  if (!user || !signedIn) {
    $('title').textContent = 'Example single-page app';
    return;
  }
  // The ID token itself, decoded (its signature was checked by oidc-client-ts when it arrived).
  const claims = user.id_token ? JSON.parse(base64urlDecode(user.id_token.split('.')[1] ?? '')) : user.profile;
  const rows = Object.entries(claims).map(([name, value]) => {
    const row = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = name;
    const td = document.createElement('td');
    td.textContent = typeof value === 'object' ? JSON.stringify(value) : String(value);
    row.append(th, td);
    return row;
  });
  $('claims').querySelector('tbody')?.replaceChildren(...rows);
  $('token-info').textContent = `The access token expires at ${new Date((user.expires_at ?? 0) * 1000).toLocaleTimeString()}. ${user.refresh_token ? 'A refresh token renews it silently.' : 'There is no refresh token.'}`;
  $('title').textContent = `Signed in as ${claims.name ?? claims.email ?? claims.sub}`;
}

/** @param {string} part */
function base64urlDecode(part) {
  const binary = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

async function callApi() {
  const user = await manager.getUser();
  if (!user) return render();
  const response = await fetch(`${config.apiUrl}/api/hello`, { headers: { authorization: `Bearer ${user.access_token}` } });
  const body = await response.json().catch(() => ({}));
  $('api-result').textContent = `HTTP ${response.status}\n${JSON.stringify(body, null, 2)}`;
  status(response.ok ? 'The API accepted the access token.' : `The API refused the access token (HTTP ${response.status}).`);
}

async function refresh() {
  try {
    // With a refresh token in hand this is one POST to the token endpoint: no iframe, no redirect.
    await manager.signinSilent();
    refreshes += 1;
    showError(undefined);
    status(`Tokens refreshed (${refreshes} in this tab).`);
  } catch (error) {
    await sessionEnded(error);
  }
}

/** @param {string} id @param {() => Promise<unknown>} action */
function onClick(id, action) {
  $(id).addEventListener('click', () => {
    action().catch((error) => showError(describe(error)));
  });
}

onClick('sign-in', () => manager.signinRedirect());
onClick('call-api', callApi);
onClick('refresh', refresh);
onClick('sign-out', () => manager.signoutRedirect());

manager.events.addUserLoaded(() => void render());
manager.events.addSilentRenewError((error) => void sessionEnded(error));
// Another tab signed in, refreshed or signed out.
window.addEventListener('storage', (event) => {
  if (event.key?.startsWith('oidc.user:')) void render();
});

if (location.pathname === '/callback') {
  try {
    await manager.signinRedirectCallback();
    status('Signed in.');
  } catch (error) {
    showError(describe(error));
  }
  // The code and state are spent; keep them out of the address bar and history.
  history.replaceState(null, '', '/');
}
await render();
document.body.dataset.ready = 'true';
