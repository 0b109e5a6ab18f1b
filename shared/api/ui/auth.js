// auth.js: who the page calls the API as — in `token` mode (`anomalies serve`) a token handed over in the URL fragment and kept in sessionStorage; in `oidc` mode (the query Lambda) the OpenID Connect sign-in of oidc.js; sign-out forgets it.
import * as oidc from './oidc.js';

const KEY = 'anomalies.token';
let config = { mode: 'token' };
let signedOutHandler = () => {};

/** Read `/ui/config.json`; take a token from `#token=…` (a fragment never reaches a server
 * or its logs) and remove it from the address bar, or finish an OIDC sign-in. Returns a
 * problem to show, or ''. */
export async function init() {
  const response = await fetch('config.json').catch(() => null);
  if (response && response.ok) config = await response.json();
  const match = location.hash.match(/(?:^#|&)token=([^&]+)/);
  if (match) {
    sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
    history.replaceState(history.state, '', location.pathname + location.search);
  }
  if (config.mode === 'oidc') return oidc.finish(config).catch((e) => e.message);
  return '';
}

export const mode = () => config.mode;

/** The bearer token for the next call ('' when signed out). */
export async function token() {
  if (config.mode === 'oidc') return oidc.token(config);
  return sessionStorage.getItem(KEY) || '';
}

/** Start signing in (OIDC); in token mode there is nothing the page can do itself. */
export async function signIn() {
  if (config.mode === 'oidc') await oidc.signIn(config);
}

/** Call `handler` when the API says the token is no good (or on sign-out). */
export function whenSignedOut(handler) {
  signedOutHandler = handler;
}

/** The API refused the token: forget it and ask again. */
export function refused() {
  sessionStorage.removeItem(KEY);
  if (config.mode === 'oidc') sessionStorage.removeItem('anomalies.oidc');
  signedOutHandler();
}

export async function signOut() {
  sessionStorage.removeItem(KEY);
  if (config.mode === 'oidc') await oidc.signOut(config);
  signedOutHandler();
}
