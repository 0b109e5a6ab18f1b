//! The webhook items, one record each (see the key table in [`super`]), with round-trip
//! tests.

use crate::model::Webhook;
use crate::store::{Attempt, LedgerEntry, LedgerState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The ledger entry's `state` values.
pub const IN_FLIGHT: &str = "in_flight";
pub const SCHEDULED: &str = "scheduled";
pub const SETTLED: &str = "settled";

/// A webhook item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookRecord {
    pub pk: String,
    pub sk: String,
    pub version: u64,
    pub webhook: Webhook,
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
    use crate::store::Outcome;
    use anomalies_core::domain::TenantId;
    use anomalies_core::store::dynamo::keys;
    use aws_sdk_dynamodb::types::AttributeValue;
    use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};

    fn webhook() -> Webhook {
        let input: WebhookInput = serde_json::from_value(serde_json::json!({
            "name": "x", "url": "https://a.example/hook",
            "format": {"type": "template", "template": "{{ data.id }}", "content_type": "text/plain"},
            "auth": {"type": "bearer", "token": "t"}
        }))
        .unwrap();
        Webhook::create(TenantId::default_tenant(), input, Utc::now()).unwrap()
    }

    #[test]
    fn a_webhook_record_round_trips_through_an_item() {
        let record = WebhookRecord {
            pk: keys::webhooks_pk(&TenantId::default_tenant()),
            sk: "wh_1".into(),
            version: 3,
            webhook: webhook(),
        };
        let item: std::collections::HashMap<String, AttributeValue> = to_item(&record).unwrap();
        assert_eq!(from_item::<WebhookRecord>(item).unwrap(), record);
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
