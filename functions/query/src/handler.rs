//! The Lambda handler: each API Gateway request through the shared API router
//! ([`anomalies_api::router`]) over the ports in [`crate::ports`], the caller named by the
//! JWT authorizer's claims ([`crate::message`]).

use crate::config::QueryConfig;
use crate::message::from_request_context;
use crate::ports::Ports;
use anomalies_api::auth::Auth;
use anomalies_api::cursor::CursorKey;
use anomalies_api::{router, AppState};
use axum::Router;
use lambda_http::Request;
use std::convert::Infallible;
use tower::ServiceExt;

/// The router, built once per cold start.
pub struct Context {
    pub router: Router,
}

impl Context {
    /// The API for this configuration on these ports.
    pub fn new(config: &QueryConfig, ports: Ports) -> Self {
        let auth = Auth::Claims {
            names: config.claims.clone(),
            source: from_request_context,
        };
        let cursor_key = CursorKey::new(&config.cursor_secret);
        let mut state = AppState::new(
            ports.anomalies,
            ports.requesters,
            ports.bus,
            auth,
            cursor_key,
        );
        state.links = config.links.clone();
        state.lookback = chrono::Duration::days(config.lookback_days);
        state.sign_in = config.sign_in.clone();
        state = state.with_webhooks(ports.webhooks);
        if let Some(sources) = ports.sources {
            state = state.with_sources(sources);
        }
        Self {
            router: router(state),
        }
    }
}

/// Answer one request.
pub async fn handle(
    ctx: &Context,
    request: Request,
) -> Result<axum::response::Response, Infallible> {
    ctx.router.clone().oneshot(request).await
}
