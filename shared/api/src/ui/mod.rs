//! The Anomalies page: its assets (`shared/api/ui/`), embedded in the binary and served at
//! `/ui/` without authentication (every data call it makes goes to `/v1/*` with the token),
//! `/ui/config.json` telling it how to sign in, and `/` redirecting to it. Every response
//! carries a Content-Security-Policy without inline script, `nosniff` and no referrer.

use crate::routes::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde::Serialize;

/// How the page signs in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum SignIn {
    /// A bearer token handed over in the URL's fragment (`anomalies serve` prints the URL).
    #[default]
    Token,
    /// OpenID Connect authorization code with PKCE against `issuer` (the query Lambda).
    Oidc(Oidc),
}

/// The page's OpenID Connect client: a public client (no secret) using PKCE.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Oidc {
    /// The issuer the API's JWT authorizer trusts.
    pub issuer: String,
    /// The app client the page signs in as (its callback URL is the page, `…/ui/`).
    pub client_id: String,
    /// Space-separated scopes to ask for.
    pub scopes: String,
    /// Which token the page sends to the API: `id_token` (default; Cognito puts custom
    /// attributes such as the tenant there) or `access_token`.
    pub token_use: String,
    /// Endpoints, when the issuer's discovery document should not be used (or its token
    /// endpoint is on another origin, as Cognito's hosted domain is: the CSP must name it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
}

/// One embedded asset: its name under `/ui/`, content type, and bytes.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

macro_rules! assets {
    ($(($name:literal, $type:expr)),* $(,)?) => {
        &[$(Asset {
            name: $name,
            content_type: $type,
            body: include_str!(concat!("../../ui/", $name)),
        }),*]
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the page (one per component; see each file's first line).
const ASSETS: &[Asset] = assets![
    ("index.html", "text/html; charset=utf-8"),
    ("style.css", "text/css; charset=utf-8"),
    ("app.js", JS),
    ("api.js", JS),
    ("auth.js", JS),
    ("state.js", JS),
    ("format.js", JS),
    ("filters.js", JS),
    ("list.js", JS),
    ("details.js", JS),
    ("bulk.js", JS),
    ("oidc.js", JS),
];

/// The total size of the page's own assets, in bytes (the README states the budget).
pub fn assets_size() -> usize {
    ASSETS.iter().map(|a| a.body.len()).sum()
}

/// The headers every page response carries. `connect-src` adds the OIDC issuer (its
/// discovery document) and the token endpoint's origin, which the page calls.
fn secured(mut response: Response, sign_in: &SignIn) -> Response {
    let mut connect = vec!["'self'"];
    if let SignIn::Oidc(oidc) = sign_in {
        connect.push(origin(&oidc.issuer));
        if let Some(token) = &oidc.token_endpoint {
            connect.push(origin(token));
        }
        connect.dedup();
    }
    let connect = connect.join(" ");
    let policy = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src {connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    );
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `scheme://host[:port]` of a URL (what CSP source lists take).
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

fn asset(name: &str, sign_in: &SignIn) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => secured(
            ([(header::CONTENT_TYPE, a.content_type)], a.body).into_response(),
            sign_in,
        ),
        None => secured(
            (StatusCode::NOT_FOUND, "no such file").into_response(),
            sign_in,
        ),
    }
}

/// `GET /ui/`
pub async fn index(State(state): State<AppState>) -> Response {
    asset("index.html", &state.sign_in)
}

/// `GET /ui/{file}`
pub async fn file(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    asset(&name, &state.sign_in)
}

/// `GET /ui/config.json`
pub async fn config(State(state): State<AppState>) -> Response {
    let sign_in = state.sign_in.clone();
    secured(Json(&sign_in).into_response(), &state.sign_in)
}

/// `GET /ui` and `GET /`
pub async fn home() -> Redirect {
    Redirect::to("/ui/")
}

#[cfg(test)]
mod tests;
