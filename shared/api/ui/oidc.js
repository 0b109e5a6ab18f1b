// oidc.js: OpenID Connect sign-in for the deployed page — authorization code with PKCE (S256), state and nonce checked on return, the code exchanged at the token endpoint, the token renewed with the refresh token or asked for again when it expires.
const KEY = 'anomalies.oidc';
/** Renew this long before the token expires. */
const EARLY_SECONDS = 60;

const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
const random = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** The callback address: the page itself (`…/ui/`), without query or fragment. */
export function redirectUri() {
  return `${location.origin}${location.pathname}`;
}

function load() {
  try { return JSON.parse(sessionStorage.getItem(KEY)) || {}; } catch { return {}; }
}
function save(value) { sessionStorage.setItem(KEY, JSON.stringify(value)); }

let discovery = null;

/** The issuer's endpoints: those configured, else its discovery document (fetched once). */
function endpoints(config) {
  if (config.authorization_endpoint && config.token_endpoint) return Promise.resolve(config);
  discovery = discovery || discover(config).catch((e) => { discovery = null; throw e; });
  return discovery;
}

async function discover(config) {
  const response = await fetch(`${config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`the issuer's discovery document answered ${response.status}`);
  const discovered = await response.json();
  return { ...discovered, ...Object.fromEntries(Object.entries(config).filter(([, v]) => v)) };
}

/** A JWT's claims (unverified: the API verifies; the page only reads `exp` and `nonce`). */
export function claims(jwt) {
  try {
    const part = jwt.split('.')[1].replaceAll('-', '+').replaceAll('_', '/');
    return JSON.parse(atob(part));
  } catch { return {}; }
}

/** Send the browser to the issuer's sign-in, remembering where to come back to. */
export async function signIn(config) {
  const points = await endpoints(config);
  const verifier = random();
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const flow = { verifier, state: random(), nonce: random(), back: location.search };
  save({ flow });
  const url = new URL(points.authorization_endpoint);
  for (const [k, v] of Object.entries({
    response_type: 'code', client_id: config.client_id, redirect_uri: redirectUri(), scope: config.scopes,
    state: flow.state, nonce: flow.nonce, code_challenge: challenge, code_challenge_method: 'S256',
  })) url.searchParams.set(k, v);
  location.assign(url.toString());
}

async function tokenCall(config, form) {
  const points = await endpoints(config);
  const response = await fetch(points.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: config.client_id, ...form }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`sign-in failed: ${body.error_description || body.error || response.status}`);
  return body;
}

function keep(config, answer, previous = {}) {
  const token = answer[config.token_use] || answer.id_token || answer.access_token;
  const expires = claims(token).exp || (answer.expires_in ? Math.floor(Date.now() / 1000) + answer.expires_in : 0);
  save({ token, expires, refresh: answer.refresh_token || previous.refresh || '', id_token: answer.id_token || previous.id_token || '' });
}

/** On the way back from the issuer (`?code=…&state=…`): check the state and nonce, exchange
 * the code, put the page's own query back. Returns an error text, or '' when nothing to do. */
export async function finish(config) {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return '';
  const { flow } = load();
  history.replaceState(null, '', `${location.pathname}${(flow && flow.back) || ''}`);
  if (params.has('error')) return `The identity provider said: ${params.get('error_description') || params.get('error')}`;
  if (!flow || params.get('state') !== flow.state) return 'The sign-in answer did not match this tab’s request; sign in again.';
  const answer = await tokenCall(config, {
    grant_type: 'authorization_code', code: params.get('code'), redirect_uri: redirectUri(), code_verifier: flow.verifier,
  });
  if (answer.id_token && claims(answer.id_token).nonce !== flow.nonce) return 'The sign-in answer carried the wrong nonce; sign in again.';
  keep(config, answer);
  return '';
}

/** The bearer token, renewed first when it is about to expire ('' when there is none). */
export async function token(config) {
  const kept = load();
  if (!kept.token) return '';
  const now = Math.floor(Date.now() / 1000);
  if (!kept.expires || kept.expires - EARLY_SECONDS > now) return kept.token;
  if (kept.refresh) {
    try {
      keep(config, await tokenCall(config, { grant_type: 'refresh_token', refresh_token: kept.refresh }), kept);
      return load().token;
    } catch { /* fall through: ask again */ }
  }
  sessionStorage.removeItem(KEY);
  return '';
}

/** Forget the tokens; end the issuer's session too when it offers an end-session endpoint. */
export async function signOut(config) {
  const { id_token: idToken } = load();
  sessionStorage.removeItem(KEY);
  const points = await endpoints(config).catch(() => ({}));
  if (points.end_session_endpoint) {
    const url = new URL(points.end_session_endpoint);
    url.searchParams.set('client_id', config.client_id);
    url.searchParams.set('post_logout_redirect_uri', redirectUri());
    if (idToken) url.searchParams.set('id_token_hint', idToken);
    location.assign(url.toString());
  }
}
