//! The router: one set of routes for the query Lambda and `anomalies serve`. Every `/v1/`
//! route but the OpenAPI document and the intake route needs a [`crate::auth::Principal`]
//! (the intake route takes a source token instead, [`sources`]); the page ([`crate::ui`]) is
//! public; bodies are limited to [`MAX_BODY`] bytes (intake bodies to
//! [`crate::intake::MAX_INTAKE_BODY`]).

mod anomalies;
mod body;
pub mod bulk;
mod events;
pub mod sources;
mod triage;
mod users;
pub mod webhooks;

use crate::auth::Auth;
use crate::cursor::CursorKey;
use crate::error::ApiError;
use crate::intake::MAX_INTAKE_BODY;
use crate::links::LinkTemplates;
use crate::ports::{Anomalies, EventIntake, Requesters};
use crate::ui::{self, SignIn};
use anomalies_core::bus::Bus;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use chrono::Duration;
use sources::SourceApi;
use std::sync::Arc;
use webhooks::WebhookApi;

/// Largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;

/// The OpenAPI 3.1 description of this API.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub anomalies: Arc<dyn Anomalies>,
    pub requesters: Arc<dyn Requesters>,
    /// Where triage changes and revocation requests are announced.
    pub bus: Arc<dyn Bus>,
    /// Set only by `anomalies serve`: enables `POST /v1/events`.
    pub intake: Option<Arc<dyn EventIntake>>,
    pub auth: Auth,
    pub cursor_key: CursorKey,
    pub links: LinkTemplates,
    /// The window when a request gives no time parameter.
    pub lookback: Duration,
    /// Webhook management (`/v1/webhooks`); absent, those routes answer 404.
    pub webhooks: Option<WebhookApi>,
    /// How the page at `/ui/` signs in.
    pub sign_in: SignIn,
    /// Source credentials and the intake route; absent, those routes answer 404.
    pub sources: Option<SourceApi>,
}

impl AppState {
    /// Defaults: 400-day lookback (the anomaly retention), no links, no intake.
    pub fn new(
        anomalies: Arc<dyn Anomalies>,
        requesters: Arc<dyn Requesters>,
        bus: Arc<dyn Bus>,
        auth: Auth,
        cursor_key: CursorKey,
    ) -> Self {
        Self {
            anomalies,
            requesters,
            bus,
            intake: None,
            auth,
            cursor_key,
            links: LinkTemplates::default(),
            lookback: Duration::days(400),
            webhooks: None,
            sign_in: SignIn::default(),
            sources: None,
        }
    }

    /// Enable `/v1/source-credentials` and `POST /v1/sources/{source}/events`.
    pub fn with_sources(mut self, sources: SourceApi) -> Self {
        self.sources = Some(sources);
        self
    }

    /// Enable `/v1/webhooks`.
    pub fn with_webhooks(mut self, webhooks: WebhookApi) -> Self {
        self.webhooks = Some(webhooks);
        self
    }
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

async fn not_found() -> ApiError {
    ApiError::NoRoute
}

/// The API's routes.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/", get(ui::home))
        .route("/ui", get(ui::home))
        .route("/ui/", get(ui::index))
        .route("/ui/config.json", get(ui::config))
        .route("/ui/{file}", get(ui::file))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/anomalies", get(anomalies::list))
        .route("/v1/anomalies/facets", get(anomalies::facets))
        .route("/v1/anomalies/triage", post(bulk::triage_many))
        .route(
            "/v1/anomalies/{id}",
            get(anomalies::details_route).patch(triage::update),
        )
        .route("/v1/anomalies/{id}/revoke", post(triage::revoke))
        .route("/v1/users", get(users::list))
        .route("/v1/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/v1/webhooks/{id}",
            get(webhooks::get)
                .patch(webhooks::update)
                .delete(webhooks::delete),
        )
        .route("/v1/webhooks/{id}/rotate-secret", post(webhooks::rotate))
        .route("/v1/webhooks/{id}/test", post(webhooks::test))
        .route("/v1/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route(
            "/v1/source-credentials",
            get(sources::list).post(sources::create),
        )
        .route(
            "/v1/source-credentials/{id}",
            axum::routing::delete(sources::delete),
        )
        .route(
            "/v1/sources/{source}/events",
            post(sources::intake).layer(DefaultBodyLimit::max(MAX_INTAKE_BODY)),
        );
    if state.intake.is_some() {
        router = router.route("/v1/events", post(events::push));
    }
    router
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}
