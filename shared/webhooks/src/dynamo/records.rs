//! The webhook items, one record each (see the key table in [`super`]), with round-trip
//! tests.

use crate::model::{Webhook, WebhookId};
use crate::seal::{self, Confidential, KeyService, SealError, Sealed};
use crate::store::{Attempt, LedgerEntry, LedgerState, StoreError, Stored};
use anomalies_core::domain::TenantId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The ledger entry's `state` values.
pub const IN_FLIGHT: &str = "in_flight";
pub const SCHEDULED: &str = "scheduled";
pub const SETTLED: &str = "settled";

/// A webhook's fields that are sealed, never stored in the clear.
pub const CONFIDENTIAL_FIELDS: [&str; 3] = ["secrets", "auth", "headers"];

/// A webhook item: the webhook without its [`CONFIDENTIAL_FIELDS`], and those sealed under
/// a data key bound to the item's tenant and webhook id ([`crate::seal`]). An item written
/// before sealing holds the whole webhook and no `sealed`: it is read as it is, and sealed
/// when it is next written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookRecord {
    pub pk: String,
    pub sk: String,
    pub version: u64,
    pub webhook: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<Sealed>,
}

impl WebhookRecord {
    /// The item for `webhook` at `version`, its confidential parts sealed.
    pub async fn seal(
        pk: String,
        webhook: &Webhook,
        version: u64,
        keys: &dyn KeyService,
    ) -> Result<Self, StoreError> {
        let sealed = seal::seal(keys, webhook)
            .await
            .map_err(|e| store_error(&pk, e))?;
        let mut fields = match serde_json::to_value(webhook) {
            Ok(Value::Object(fields)) => fields,
            Ok(_) => return Err(StoreError::Encode("a webhook is not an object".into())),
            Err(e) => return Err(StoreError::Encode(Box::new(e))),
        };
        for field in CONFIDENTIAL_FIELDS {
            fields.remove(field);
        }
        Ok(Self {
            sk: webhook.id.to_string(),
            pk,
            version,
            webhook: fields,
            sealed: Some(sealed),
        })
    }

    /// The stored webhook of `tenant`, its confidential parts opened.
    pub async fn open(
        self,
        tenant: &TenantId,
        keys: &dyn KeyService,
    ) -> Result<Stored, StoreError> {
        let corrupt = |pk: &str, message: String| StoreError::Corrupt {
            pk: pk.to_owned(),
            source: message.into(),
        };
        let mut fields = self.webhook;
        if let Some(sealed) = &self.sealed {
            let id = WebhookId::try_from(self.sk.clone())
                .map_err(|e| corrupt(&self.pk, e.to_string()))?;
            let confidential: Confidential = seal::open(keys, tenant, &id, sealed)
                .await
                .map_err(|e| store_error(&self.pk, e))?;
            match serde_json::to_value(confidential) {
                Ok(Value::Object(opened)) => fields.extend(opened),
                _ => {
                    return Err(corrupt(
                        &self.pk,
                        "the opened secrets are not an object".into(),
                    ))
                }
            }
        }
        let webhook: Webhook = serde_json::from_value(Value::Object(fields))
            .map_err(|e| corrupt(&self.pk, e.to_string()))?;
        Ok(Stored {
            webhook,
            version: self.version,
        })
    }
}

/// What a sealing failure means for the store's caller.
fn store_error(pk: &str, err: SealError) -> StoreError {
    match err {
        SealError::Unavailable { operation, .. } => StoreError::Retryable {
            operation,
            source: Box::new(err),
        },
        SealError::Refused { operation, .. } => StoreError::Failed {
            operation,
            source: Box::new(err),
        },
        SealError::Corrupt(_) => StoreError::Corrupt {
            pk: pk.to_owned(),
            source: Box::new(err),
        },
    }
}

/// An attempt item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    pub pk: String,
    pub sk: String,
    pub expires_at: i64,
    pub attempt: Attempt,
}

/// A ledger item (times in epoch milliseconds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerRecord {
    pub pk: String,
    pub sk: String,
    pub attempts: u32,
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_at: Option<i64>,
    pub expires_at: i64,
}

impl LedgerRecord {
    pub fn entry(&self) -> LedgerEntry {
        let at = |ms: Option<i64>| {
            DateTime::<Utc>::from_timestamp_millis(ms.unwrap_or_default()).unwrap_or_default()
        };
        let state = match self.state.as_str() {
            IN_FLIGHT => LedgerState::InFlight {
                lease_until: at(self.lease_until),
            },
            SCHEDULED => LedgerState::Scheduled {
                at: at(self.next_at),
            },
            _ => LedgerState::Settled,
        };
        LedgerEntry {
            attempts: self.attempts,
            state,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventType, WebhookInput};
    use crate::seal::tests::LocalKeys;
    use crate::store::Outcome;
    use anomalies_core::store::dynamo::keys;
    use aws_sdk_dynamodb::types::AttributeValue;
    use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};

    fn webhook() -> Webhook {
        let input: WebhookInput = serde_json::from_value(serde_json::json!({
            "name": "x", "url": "https://a.example/hook",
            "format": {"type": "template", "template": "{{ data.id }}", "content_type": "text/plain"},
            "auth": {"type": "bearer", "token": "bearer-token"}
        }))
        .unwrap();
        Webhook::create(TenantId::default_tenant(), input, Utc::now()).unwrap()
    }

    #[tokio::test]
    async fn a_webhook_record_round_trips_through_an_item_with_its_secrets_sealed() {
        // Arrange
        let keys = LocalKeys::default();
        let hook = webhook();
        let pk = keys::webhooks_pk(&hook.tenant_id);
        // Act
        let record = WebhookRecord::seal(pk, &hook, 3, &keys).await.unwrap();
        let item: std::collections::HashMap<String, AttributeValue> = to_item(&record).unwrap();
        let back = from_item::<WebhookRecord>(item.clone()).unwrap();
        let stored = back.clone().open(&hook.tenant_id, &keys).await.unwrap();
        // Assert
        assert_eq!(back, record);
        assert_eq!(stored.webhook, hook);
        assert_eq!(stored.version, 3);
        let raw = format!("{item:?}");
        for secret in [hook.secrets.current().as_str(), "bearer-token"] {
            assert!(!raw.contains(secret), "{secret} is in the item: {raw}");
        }
        for field in CONFIDENTIAL_FIELDS {
            assert!(!record.webhook.contains_key(field), "{field}");
        }
    }

    #[tokio::test]
    async fn an_item_written_before_sealing_is_read_as_it_is() {
        // Arrange: the whole webhook in the item, no sealed part.
        let hook = webhook();
        let serde_json::Value::Object(fields) = serde_json::to_value(&hook).unwrap() else {
            panic!("a webhook is an object")
        };
        let legacy = WebhookRecord {
            pk: keys::webhooks_pk(&hook.tenant_id),
            sk: hook.id.to_string(),
            version: 1,
            webhook: fields,
            sealed: None,
        };
        // Act
        let stored = legacy
            .open(&hook.tenant_id, &LocalKeys::default())
            .await
            .unwrap();
        // Assert
        assert_eq!(stored.webhook, hook);
    }

    #[tokio::test]
    async fn a_sealed_part_moved_to_another_webhooks_item_does_not_open() {
        // Arrange
        let keys = LocalKeys::default();
        let hook = webhook();
        let pk = keys::webhooks_pk(&hook.tenant_id);
        let mut record = WebhookRecord::seal(pk, &hook, 1, &keys).await.unwrap();
        record.sk = "wh_someone_else".into();
        // Act
        let opened = record.open(&hook.tenant_id, &keys).await;
        // Assert
        assert!(
            matches!(opened, Err(StoreError::Corrupt { .. })),
            "{opened:?}"
        );
    }

    #[test]
    fn an_attempt_record_round_trips_and_sorts_by_time() {
        let attempt = Attempt {
            delivery_id: "msg_1".into(),
            tenant_id: TenantId::default_tenant(),
            webhook_id: webhook().id,
            anomaly_id: "anm_1".into(),
            event_type: EventType::AnomalyDetected,
            attempt: 2,
            attempted_at: "2026-11-24T10:00:00.5Z".parse().unwrap(),
            outcome: Outcome::Retrying,
            status_code: Some(503),
            latency_ms: 12,
            error: Some("HTTP 503".into()),
            next_attempt_at: Some("2026-11-24T10:01:00Z".parse().unwrap()),
        };
        let record = AttemptRecord {
            pk: keys::attempts_pk(&attempt.tenant_id, attempt.webhook_id.as_str()),
            sk: keys::attempt_sk(attempt.attempted_at, &attempt.delivery_id, attempt.attempt),
            expires_at: 1,
            attempt,
        };
        assert!(record.sk.starts_with("2026-11-24T10:00:00.500Z#msg_1#0002"));
        let item: std::collections::HashMap<String, AttributeValue> = to_item(&record).unwrap();
        assert_eq!(from_item::<AttemptRecord>(item).unwrap(), record);
    }

    #[test]
    fn a_ledger_record_round_trips_and_reads_as_its_state() {
        let record = LedgerRecord {
            pk: keys::ledger_pk("msg_1"),
            sk: keys::SK_LEDGER.into(),
            attempts: 2,
            state: SCHEDULED.into(),
            lease_until: None,
            next_at: Some(1_800_000_000_000),
            expires_at: 1,
        };
        let item: std::collections::HashMap<String, AttributeValue> = to_item(&record).unwrap();
        let back: LedgerRecord = from_item(item).unwrap();
        assert_eq!(back, record);
        assert_eq!(
            back.entry().state,
            LedgerState::Scheduled {
                at: DateTime::<Utc>::from_timestamp_millis(1_800_000_000_000).unwrap()
            }
        );
    }
}
