// oidc.test.js: the deployed page's OpenID Connect sign-in (authorization code + PKCE) against a small identity provider run here — the redirect and its parameters, state and nonce, the code exchanged with its verifier, the page's own URL restored, renewal before expiry, a forged answer refused, and sign-out.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { apiIds, browser, page, rows, serve, settled } from './harness.js';

const b64url = (data) => Buffer.from(data).toString('base64url');
const jwt = (claims) => `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}.`;

/** An identity provider: discovery, authorize (signs the user straight in), token, logout. */
async function provider({ accessToken, expiresIn }) {
  const seen = { authorize: [], token: [], logout: [] };
  const codes = new Map();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, base);
    const cors = { 'Access-Control-Allow-Origin': '*' };
    if (url.pathname === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'Content-Type': 'application/json', ...cors });
      res.end(JSON.stringify({
        issuer: base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`, end_session_endpoint: `${base}/logout`,
      }));
    } else if (url.pathname === '/authorize') {
      const params = Object.fromEntries(url.searchParams);
      seen.authorize.push(params);
      const code = randomBytes(8).toString('hex');
      codes.set(code, params);
      res.writeHead(302, { Location: `${params.redirect_uri}?code=${code}&state=${params.state}` });
      res.end();
    } else if (url.pathname === '/token' && req.method === 'POST') {
      let text = '';
      for await (const chunk of req) text += chunk;
      const form = Object.fromEntries(new URLSearchParams(text));
      seen.token.push(form);
      const answer = (status, body) => { res.writeHead(status, { 'Content-Type': 'application/json', ...cors }); res.end(JSON.stringify(body)); };
      if (form.grant_type === 'refresh_token') {
        return answer(200, { access_token: accessToken, id_token: jwt({ sub: 'u-1' }), expires_in: 3600, token_type: 'Bearer' });
      }
      const asked = codes.get(form.code);
      const challenge = asked && createHash('sha256').update(form.code_verifier || '').digest('base64url');
      if (!asked || challenge !== asked.code_challenge || form.redirect_uri !== asked.redirect_uri) {
        return answer(400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
      }
      return answer(200, {
        access_token: accessToken, id_token: jwt({ sub: 'u-1', nonce: asked.nonce }),
        refresh_token: 'refresh-1', expires_in: expiresIn, token_type: 'Bearer',
      });
    } else if (url.pathname === '/logout') {
      seen.logout.push(Object.fromEntries(url.searchParams));
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('signed out');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { base, seen, close: () => server.close() };
}

let server;
let idp;
let b;
before(async () => {
  server = await serve();
  b = await browser();
});
after(async () => { await b.close(); server.close(); });

/** A tab on the page as the query Lambda serves it in OIDC mode: `/ui/config.json` names the
 * provider. (The CSP that mode sends, naming the issuer and token endpoint, is asserted by
 * the Rust tests; this tab lets the page reach the provider on its test port.) */
async function oidcTab(options = {}) {
  const p = await page(b, { bypassCSP: true });
  await p.route('**/ui/config.json', (route) => route.fulfill({
    contentType: 'application/json',
    body: JSON.stringify({ mode: 'oidc', issuer: idp.base, client_id: 'page-client', scopes: 'openid email', token_use: 'access_token', ...options }),
  }));
  return p;
}

test('signing in sends the browser to the provider with PKCE and comes back to the same view', async () => {
  // Arrange
  idp = await provider({ accessToken: server.token, expiresIn: 3600 });
  const p = await oidcTab();
  await p.goto(`${server.base}/ui/?severity=high`);
  await p.waitForSelector('#signin:not([hidden]) #signin-button:not([hidden])');
  // Act
  await p.click('#signin-button');
  await p.waitForURL(`${server.base}/ui/?severity=high`);
  await settled(p);
  // Assert
  const [asked] = idp.seen.authorize;
  assert.deepEqual(
    [asked.response_type, asked.client_id, asked.redirect_uri, asked.scope, asked.code_challenge_method],
    ['code', 'page-client', `${server.base}/ui/`, 'openid email', 'S256'],
  );
  assert.ok(asked.state.length >= 32 && asked.nonce.length >= 32 && asked.code_challenge.length === 43);
  assert.equal(idp.seen.token[0].grant_type, 'authorization_code');
  assert.deepEqual(await rows(p), await apiIds(server, 'severity=high'));
  assert.equal(await p.isHidden('#sign-out'), false);
  assert.deepEqual(p.errors, []);
  idp.close();
});

test('a token about to expire is renewed with the refresh token before the next call', async () => {
  // Arrange: the provider hands out tokens that expire within the renewal margin.
  idp = await provider({ accessToken: server.token, expiresIn: 30 });
  const p = await oidcTab();
  await p.goto(`${server.base}/ui/`);
  await p.click('#signin-button');
  await p.waitForURL(`${server.base}/ui/`);
  await settled(p);
  // Assert
  const grants = idp.seen.token.map((t) => t.grant_type);
  assert.equal(grants[0], 'authorization_code');
  assert.ok(grants.includes('refresh_token'), grants.join(','));
  assert.equal(idp.seen.token.find((t) => t.grant_type === 'refresh_token').refresh_token, 'refresh-1');
  assert.ok((await rows(p)).length > 0);
  idp.close();
});

test('an answer whose state this tab did not ask for is refused', async () => {
  // Arrange
  idp = await provider({ accessToken: server.token, expiresIn: 3600 });
  const p = await oidcTab();
  // Act: a crafted callback, as if someone else's sign-in were replayed into this tab.
  await p.goto(`${server.base}/ui/?code=stolen&state=not-mine`);
  await p.waitForSelector('#signin:not([hidden])');
  // Assert
  assert.match(await p.textContent('#signin-text'), /did not match this tab’s request/);
  assert.equal(idp.seen.token.length, 0, 'no code was exchanged');
  assert.equal(new URL(p.url()).search, '', 'the code left the address bar');
  idp.close();
});

test('sign-out forgets the token and ends the provider session', async () => {
  // Arrange
  idp = await provider({ accessToken: server.token, expiresIn: 3600 });
  const p = await oidcTab();
  await p.goto(`${server.base}/ui/`);
  await p.click('#signin-button');
  await p.waitForURL(`${server.base}/ui/`);
  await settled(p);
  // Act
  await p.click('#sign-out');
  await p.waitForURL(`${idp.base}/logout?**`);
  // Assert
  const [out] = idp.seen.logout;
  assert.deepEqual([out.client_id, out.post_logout_redirect_uri], ['page-client', `${server.base}/ui/`]);
  assert.ok(out.id_token_hint.split('.').length === 3);
  await p.goto(`${server.base}/ui/`);
  await p.waitForSelector('#signin:not([hidden])');
  assert.equal(await p.evaluate(() => sessionStorage.getItem('anomalies.oidc')), null);
  idp.close();
});
