//! Webhooks, attempts and the delivery ledger in the product's DynamoDB table.
//!
//! | item | pk | sk | access pattern |
//! |---|---|---|---|
//! | webhook | `T#{tenant}#WEBHOOKS` | `{webhook id}` | list a tenant's webhooks (Query pk; also per batch in the webhooks function), get/replace/delete one (key) |
//! | attempt | `T#{tenant}#WH#{webhook id}` | `{attempted_at}#{delivery id}#{attempt}` | a webhook's latest attempts (Query pk, newest first, Limit); TTL `expires_at` |
//! | ledger entry | `DLV#{delivery id}` | `S` | claim the next attempt (conditional UpdateItem), settle it (conditional on the attempt number); TTL `expires_at` |
//!
//! Webhooks are versioned: a replace is conditional on the version read.

use crate::model::{Webhook, WebhookId};
use crate::store::{
    Attempt, Claim, DeliveryLedger, LedgerEntry, LedgerState, Settlement, StoreError, Stored,
    WebhookStore, DEFAULT_RETENTION_DAYS,
};
use anomalies_core::domain::TenantId;
use anomalies_core::store::dynamo::client::{classify, StoreError as CoreError};
use anomalies_core::store::dynamo::keys::{EXPIRES_AT, PK, SK, VERSION};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};

/// The ledger entry's attributes.
pub const ATTEMPTS: &str = "attempts";
pub const STATE: &str = "state";
pub const LEASE_UNTIL: &str = "lease_until";
pub const NEXT_AT: &str = "next_at";
const SK_LEDGER: &str = "S";
const IN_FLIGHT: &str = "in_flight";
const SCHEDULED: &str = "scheduled";
const SETTLED: &str = "settled";

pub fn webhooks_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#WEBHOOKS")
}

pub fn attempts_pk(tenant: &TenantId, webhook: &WebhookId) -> String {
    format!("T#{tenant}#WH#{webhook}")
}

pub fn attempt_sk(attempt: &Attempt) -> String {
    format!(
        "{}#{}#{:04}",
        attempt
            .attempted_at
            .to_rfc3339_opts(SecondsFormat::Millis, true),
        attempt.delivery_id,
        attempt.attempt
    )
}

pub fn ledger_pk(delivery: &str) -> String {
    format!("DLV#{delivery}")
}

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
    fn entry(&self) -> LedgerEntry {
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

fn map_err(err: CoreError) -> StoreError {
    match err {
        CoreError::Conflict => StoreError::Conflict,
        CoreError::Retryable(m) => StoreError::Unavailable(m),
        other => StoreError::Failed(other.to_string()),
    }
}

fn sdk<E: ProvideErrorMetadata + std::fmt::Debug>(
    operation: &'static str,
) -> impl FnOnce(aws_sdk_dynamodb::error::SdkError<E>) -> StoreError {
    move |err| map_err(classify(operation, err))
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn decode<T: serde::de::DeserializeOwned>(
    item: std::collections::HashMap<String, AttributeValue>,
) -> Result<T, StoreError> {
    from_item(item).map_err(|e| StoreError::Failed(format!("an item does not decode: {e}")))
}

/// The DynamoDB webhook store and ledger.
#[derive(Clone)]
pub struct DynamoWebhooks {
    client: Client,
    table: String,
    retention: Duration,
}

impl DynamoWebhooks {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            retention: Duration::days(DEFAULT_RETENTION_DAYS),
        }
    }

    /// Keep attempts and ledger entries this long.
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    fn expiry(&self, now: DateTime<Utc>) -> i64 {
        (now + self.retention).timestamp()
    }

    async fn put(
        &self,
        record: &WebhookRecord,
        condition: &str,
        version: Option<u64>,
    ) -> Result<(), StoreError> {
        let item = to_item(record).map_err(|e| StoreError::Failed(e.to_string()))?;
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition);
        if let Some(version) = version {
            put = put
                .expression_attribute_names("#v", VERSION)
                .expression_attribute_values(":v", n(version));
        }
        put.send().await.map_err(sdk("PutItem"))?;
        Ok(())
    }

    /// One item by key (consistent read), decoded as `T`.
    async fn item<T: serde::de::DeserializeOwned>(
        &self,
        pk: String,
        sk: &str,
    ) -> Result<Option<T>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk("GetItem"))?;
        output.item.map(decode::<T>).transpose()
    }

    async fn ledger_entry(&self, delivery: &str) -> Result<Option<LedgerEntry>, StoreError> {
        let record: Option<LedgerRecord> = self.item(ledger_pk(delivery), SK_LEDGER).await?;
        Ok(record.map(|r| r.entry()))
    }
}

#[async_trait]
impl WebhookStore for DynamoWebhooks {
    async fn insert(&self, webhook: &Webhook) -> Result<(), StoreError> {
        let record = WebhookRecord {
            pk: webhooks_pk(&webhook.tenant_id),
            sk: webhook.id.to_string(),
            version: 1,
            webhook: webhook.clone(),
        };
        self.put(&record, "attribute_not_exists(pk)", None).await
    }

    async fn list(&self, tenant: &TenantId) -> Result<Vec<Stored>, StoreError> {
        let mut stored = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":pk", s(webhooks_pk(tenant)))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk("Query"))?;
            for item in output.items.unwrap_or_default() {
                let record: WebhookRecord = decode(item)?;
                stored.push(Stored {
                    webhook: record.webhook,
                    version: record.version,
                });
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(stored);
            }
        }
    }

    async fn get(&self, tenant: &TenantId, id: &WebhookId) -> Result<Option<Stored>, StoreError> {
        let record: Option<WebhookRecord> = self.item(webhooks_pk(tenant), id.as_str()).await?;
        Ok(record.map(|r| Stored {
            webhook: r.webhook,
            version: r.version,
        }))
    }

    async fn replace(&self, webhook: &Webhook, version: u64) -> Result<(), StoreError> {
        let record = WebhookRecord {
            pk: webhooks_pk(&webhook.tenant_id),
            sk: webhook.id.to_string(),
            version: version + 1,
            webhook: webhook.clone(),
        };
        self.put(&record, "#v = :v", Some(version)).await
    }

    async fn delete(&self, tenant: &TenantId, id: &WebhookId) -> Result<bool, StoreError> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(webhooks_pk(tenant)))
            .key(SK, s(id.as_str()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(sdk("DeleteItem"))?;
        Ok(output.attributes.is_some_and(|a| !a.is_empty()))
    }

    async fn record(&self, attempt: &Attempt) -> Result<(), StoreError> {
        let record = AttemptRecord {
            pk: attempts_pk(&attempt.tenant_id, &attempt.webhook_id),
            sk: attempt_sk(attempt),
            expires_at: self.expiry(attempt.attempted_at),
            attempt: attempt.clone(),
        };
        let item = to_item(&record).map_err(|e| StoreError::Failed(e.to_string()))?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(sdk("PutItem"))?;
        Ok(())
    }

    async fn attempts(
        &self,
        tenant: &TenantId,
        id: &WebhookId,
        limit: usize,
    ) -> Result<Vec<Attempt>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", s(attempts_pk(tenant, id)))
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(sdk("Query"))?;
        output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| decode::<AttemptRecord>(item).map(|r| r.attempt))
            .collect()
    }
}

#[async_trait]
impl DeliveryLedger for DynamoWebhooks {
    async fn claim(
        &self,
        delivery: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(ledger_pk(delivery)))
            .key(SK, s(SK_LEDGER))
            .update_expression(
                "SET #attempts = if_not_exists(#attempts, :zero) + :one, #state = :in_flight, \
                 #lease = :lease, #exp = :exp REMOVE #next",
            )
            .condition_expression(
                "attribute_not_exists(#pk) OR (#state = :in_flight AND #lease <= :now) \
                 OR (#state = :scheduled AND #next <= :now)",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#attempts", ATTEMPTS)
            .expression_attribute_names("#state", STATE)
            .expression_attribute_names("#lease", LEASE_UNTIL)
            .expression_attribute_names("#next", NEXT_AT)
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":in_flight", s(IN_FLIGHT))
            .expression_attribute_values(":scheduled", s(SCHEDULED))
            .expression_attribute_values(":lease", n((now + lease).timestamp_millis()))
            .expression_attribute_values(":now", n(now.timestamp_millis()))
            .expression_attribute_values(":exp", n(self.expiry(now)))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match result {
            Ok(output) => {
                let attempt = output
                    .attributes
                    .and_then(|a| a.get(ATTEMPTS).cloned())
                    .and_then(|v| v.as_n().ok().and_then(|n| n.parse::<u32>().ok()))
                    .ok_or_else(|| StoreError::Failed("the claim returned no attempt".into()))?;
                Ok(Claim::Claimed { attempt })
            }
            Err(err) => match map_err(classify("UpdateItem", err)) {
                StoreError::Conflict => {
                    // Say why; a state that looks claimable now lost a race: report busy.
                    let entry = self.ledger_entry(delivery).await?;
                    Ok(match LedgerEntry::claim(entry.as_ref(), now) {
                        Claim::Claimed { .. } => Claim::Busy,
                        other => other,
                    })
                }
                other => Err(other),
            },
        }
    }

    async fn settle(
        &self,
        delivery: &str,
        attempt: u32,
        settlement: Settlement,
    ) -> Result<(), StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(ledger_pk(delivery)))
            .key(SK, s(SK_LEDGER))
            .condition_expression("#attempts = :attempt")
            .expression_attribute_names("#attempts", ATTEMPTS)
            .expression_attribute_names("#state", STATE)
            .expression_attribute_names("#lease", LEASE_UNTIL)
            .expression_attribute_values(":attempt", n(attempt));
        let update = match settlement {
            Settlement::Delivered | Settlement::Failed => update
                .update_expression("SET #state = :state REMOVE #lease")
                .expression_attribute_values(":state", s(SETTLED)),
            Settlement::Scheduled { at } => update
                .update_expression("SET #state = :state, #next = :next REMOVE #lease")
                .expression_attribute_names("#next", NEXT_AT)
                .expression_attribute_values(":state", s(SCHEDULED))
                .expression_attribute_values(":next", n(at.timestamp_millis())),
        };
        update.send().await.map_err(sdk("UpdateItem"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventType, WebhookInput};
    use crate::store::Outcome;

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
            pk: webhooks_pk(&TenantId::default_tenant()),
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
            pk: attempts_pk(&attempt.tenant_id, &attempt.webhook_id),
            sk: attempt_sk(&attempt),
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
            pk: ledger_pk("msg_1"),
            sk: SK_LEDGER.into(),
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
