//! The anomalies HTTP API and the Anomalies page: list with filters and cursors, facets,
//! details, triage and revocation, (locally) event intake, and the page at `/ui/`. One axum router, served by the query Lambda under
//! API Gateway and by `anomalies serve`; stores and the event bus sit behind the traits in
//! [`ports`].

pub mod auth;
pub mod cursor;
pub mod error;
pub mod intake;
pub mod links;
pub mod local;
pub mod params;
pub mod ports;
pub mod routes;
pub mod ui;
pub mod window;

pub use routes::{router, AppState, MAX_BODY, OPENAPI};
