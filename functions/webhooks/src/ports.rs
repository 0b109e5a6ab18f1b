//! The narrow interfaces the handler runs over. The webhook store, the delivery ledger and
//! the sender are the webhooks library's ([`WebhookStore`], [`DeliveryLedger`], [`Sender`]),
//! the bus the core's ([`Bus`]: `Webhook Delivery Failed` goes there); this function adds
//! the queue it delays retries on and dead-letters to ([`RetryQueue`]). Production:
//! [`crate::aws`] and the libraries' DynamoDB and HTTP adapters; unit tests: fakes.

pub use anomalies_core::bus::Bus;
pub use anomalies_webhooks::send::Sender;
pub use anomalies_webhooks::store::{DeliveryLedger, WebhookStore};

use anomalies_core::domain::TenantId;
use anomalies_core::errors::{chain, BoxError};
use anomalies_webhooks::delivery::Delivery;
use anomalies_webhooks::model::{EventType, WebhookId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why a queue call failed (the message is then redelivered).
#[derive(Debug, thiserror::Error)]
#[error("{operation} failed: {}", chain(source.as_ref()))]
pub struct OutletError {
    pub operation: &'static str,
    #[source]
    pub source: BoxError,
}

/// A delivery that will not be attempted again: the detail of `Webhook Delivery Failed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryFailed {
    pub delivery_id: String,
    pub tenant_id: TenantId,
    pub webhook_id: WebhookId,
    pub webhook_name: String,
    pub anomaly_id: String,
    pub event_type: EventType,
    pub attempts: u32,
    pub first_attempt_at: DateTime<Utc>,
    pub failed_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    pub error: String,
}

/// A DLQ message: why, and the delivery itself (enough to send it again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub failure: DeliveryFailed,
    pub delivery: Delivery,
}

/// The function's queue and its DLQ.
#[async_trait]
pub trait RetryQueue: Send + Sync {
    /// Make `delivery` arrive again after `delay_seconds` (at most 900, SQS's limit).
    async fn schedule(&self, delivery: &Delivery, delay_seconds: u32) -> Result<(), OutletError>;
    async fn dead_letter(&self, dead: &DeadLetter) -> Result<(), OutletError>;
}
