// auth.js: who the page calls the API as — a token handed over in the URL fragment (`anomalies serve`) kept in sessionStorage; sign-out forgets it.
const KEY = 'anomalies.token';
let signedOutHandler = () => {};

/** Take a token from `#token=…` (a fragment never reaches a server or its logs) and remove it
 * from the address bar. */
export function init() {
  const match = location.hash.match(/(?:^#|&)token=([^&]+)/);
  if (match) {
    sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
    history.replaceState(history.state, '', location.pathname + location.search);
  }
}

export function token() {
  return sessionStorage.getItem(KEY) || '';
}

export function signedIn() {
  return token() !== '';
}

/** Call `handler` when the API says the token is no good (or on sign-out). */
export function whenSignedOut(handler) {
  signedOutHandler = handler;
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  signedOutHandler();
}
