//! The page's routes: public, embedded, with the security headers on every response; the
//! API beside them still needs the token.

use super::*;
use crate::auth::{Auth, Principal};
use crate::cursor::CursorKey;
use crate::local::LocalStore;
use crate::router;
use anomalies_core::bus::MemoryBus;
use anomalies_core::config::Config;
use anomalies_core::domain::TenantId;
use anomalies_core::engine::Detector;
use anomalies_core::store::MemoryStore;
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

fn state(sign_in: SignIn) -> AppState {
    let store = Arc::new(LocalStore::new(
        Detector::new(Config::default()).unwrap(),
        MemoryStore::new(),
    ));
    let auth = Auth::Bearer {
        token: "t0ken".into(),
        principal: Principal {
            tenant: TenantId::try_from("acme".to_owned()).unwrap(),
            actor: "analyst".into(),
            access: crate::auth::Access::ReadWrite,
        },
    };
    let mut state = store.app_state(
        Arc::new(MemoryBus::default()),
        auth,
        CursorKey::new(b"ui test key"),
        false,
    );
    state.sign_in = sign_in;
    state
}

async fn get(state: AppState, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let request = Request::get(uri).body(Body::empty()).unwrap();
    let response = router(state).oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn oidc() -> SignIn {
    SignIn::Oidc(Oidc {
        issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc".into(),
        client_id: "4f1client".into(),
        scopes: "openid email".into(),
        token_use: "id_token".into(),
        authorization_endpoint: Some(
            "https://acme.auth.eu-west-1.amazoncognito.com/oauth2/authorize".into(),
        ),
        token_endpoint: Some("https://acme.auth.eu-west-1.amazoncognito.com/oauth2/token".into()),
    })
}

#[tokio::test]
async fn every_file_of_the_page_is_served_without_a_token_and_with_the_security_headers() {
    for a in ASSETS {
        // Act
        let uri = if a.name == "index.html" {
            "/ui/".to_owned()
        } else {
            format!("/ui/{}", a.name)
        };
        let (status, headers, body) = get(state(SignIn::Token), &uri).await;
        // Assert
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(body, a.body, "{uri}");
        assert_eq!(header(&headers, "content-type"), a.content_type, "{uri}");
        let csp = header(&headers, "content-security-policy");
        for part in [
            "default-src 'self'",
            "script-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(part), "{uri}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{uri}: {csp}");
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        assert_eq!(header(&headers, "referrer-policy"), "no-referrer");
    }
}

#[test]
fn every_asset_opens_with_a_line_saying_what_it_is_for() {
    for a in ASSETS {
        let first = a.body.lines().next().unwrap_or_default();
        let said = first.starts_with("// ")
            || first.starts_with("/* ")
            || first.starts_with("<!doctype html><!-- ");
        assert!(said, "{} starts with {first:?}", a.name);
    }
}

#[test]
fn the_pages_own_assets_stay_within_150_kb() {
    assert!(assets_size() <= 150 * 1024, "{} bytes", assets_size());
}

#[test]
fn the_shell_has_no_inline_script_or_style() {
    let shell = ASSETS.iter().find(|a| a.name == "index.html").unwrap().body;
    assert!(
        !shell.contains("<script>") && !shell.contains("style="),
        "{shell}"
    );
    for handler in ["onclick=", "onload=", "onchange=", "onsubmit="] {
        assert!(!shell.contains(handler), "{handler}");
    }
}

#[tokio::test]
async fn the_root_and_ui_without_a_slash_redirect_to_the_page() {
    for uri in ["/", "/ui"] {
        let (status, headers, _) = get(state(SignIn::Token), uri).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(header(&headers, "location"), "/ui/", "{uri}");
    }
}

#[tokio::test]
async fn an_unknown_file_is_404_and_never_reaches_outside_the_embedded_assets() {
    for uri in [
        "/ui/nope.js",
        "/ui/..%2FCargo.toml",
        "/ui/%2e%2e%2fsrc%2flib.rs",
    ] {
        let (status, headers, _) = get(state(SignIn::Token), uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    }
}

#[tokio::test]
async fn the_config_names_the_sign_in_mode() {
    // Token mode (`anomalies serve`).
    let (status, _, body) = get(state(SignIn::Token), "/ui/config.json").await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, r#"{"mode":"token"}"#)
    );
    // OIDC (the query Lambda): the page may call the issuer's origin, nothing else.
    let (status, headers, body) = get(state(oidc()), "/ui/config.json").await;
    assert_eq!(status, StatusCode::OK);
    let config: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(config["mode"], "oidc");
    assert_eq!(config["client_id"], "4f1client");
    assert_eq!(config["scopes"], "openid email");
    let csp = header(&headers, "content-security-policy");
    assert_eq!(
        config["token_endpoint"],
        "https://acme.auth.eu-west-1.amazoncognito.com/oauth2/token"
    );
    assert!(
        csp.contains(
            "connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com \
             https://acme.auth.eu-west-1.amazoncognito.com;"
        ),
        "{csp}"
    );
}

#[tokio::test]
async fn the_api_beside_the_page_still_needs_the_token() {
    let (status, _, _) = get(state(SignIn::Token), "/v1/anomalies").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[test]
fn an_issuers_origin_is_its_scheme_and_host() {
    assert_eq!(
        origin("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc"),
        "https://cognito-idp.eu-west-1.amazonaws.com"
    );
    assert_eq!(
        origin("https://login.example.com"),
        "https://login.example.com"
    );
    assert_eq!(
        origin("https://login.example.com:8443/x"),
        "https://login.example.com:8443"
    );
}
