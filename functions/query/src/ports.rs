//! The narrow interfaces the API router runs over, all defined by the libraries it shares
//! with `anomalies serve`: anomalies and requesters ([`Anomalies`], [`Requesters`], the
//! API's), the bus ([`Bus`], the core's), webhook management ([`WebhookApi`]: the webhooks
//! library's store and sender), source credentials and the intake ([`SourceApi`]: the
//! core's credential store, the API's bus intake). [`Ports`] bundles them so a test can
//! swap one.

pub use anomalies_api::ports::{Anomalies, Requesters};
pub use anomalies_api::routes::sources::SourceApi;
pub use anomalies_api::routes::webhooks::WebhookApi;
pub use anomalies_core::bus::Bus;

use std::sync::Arc;

/// Everything the router reads and writes.
#[derive(Clone)]
pub struct Ports {
    pub anomalies: Arc<dyn Anomalies>,
    pub requesters: Arc<dyn Requesters>,
    pub bus: Arc<dyn Bus>,
    pub webhooks: WebhookApi,
    /// Present when the access-events bus is configured.
    pub sources: Option<SourceApi>,
}
