//! Webhooks for Access Anomalies: what a webhook is ([`model`]), how its body is written
//! ([`format`]) and signed ([`secret`]), which targets may be contacted ([`target`]), how a
//! request is sent ([`send`]) and retried ([`retry`]), what one delivery is ([`delivery`]),
//! and where webhooks, attempts and delivery states are kept ([`store`], [`dynamo`]), their
//! secrets sealed ([`seal`]).

pub mod delivery;
#[cfg(feature = "dynamodb")]
pub mod dynamo;
pub mod format;
pub mod model;
pub mod retry;
pub mod seal;
pub mod secret;
pub mod send;
pub mod store;
pub mod target;

/// Admit http and private webhook targets (development only): the environment variable the
/// query and webhooks functions read.
pub const WEBHOOK_ALLOW_PRIVATE_TARGETS: &str = "WEBHOOK_ALLOW_PRIVATE_TARGETS";
/// How long delivery attempts and ledger entries are kept, in days: the environment variable
/// the query and webhooks functions read.
pub const WEBHOOK_RETENTION_DAYS: &str = "WEBHOOK_RETENTION_DAYS";
/// The KMS key (ARN) that seals webhook secrets: the environment variable the query and
/// webhooks functions read.
pub const SECRETS_KEY_ARN: &str = "SECRETS_KEY_ARN";
