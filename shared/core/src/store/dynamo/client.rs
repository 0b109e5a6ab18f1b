//! The DynamoDB client side of the store: read a batch's items with BatchGetItem, apply one
//! event's writes with one TransactWriteItems, mark anomalies published. SDK errors are
//! mapped to what they mean for the caller: a failed condition is a conflict (someone else
//! changed the item: retry the event later), throttling that outlasts the SDK's own retries
//! is retryable, anything else is a failure.

use super::keys::{self, ItemKey, PK, PUBLISHED, SK, VERSION};
use super::snapshot::{Condition, Item, WriteSet};
use crate::domain::{AnomalyId, TenantId};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// BatchGetItem takes at most 100 keys per request.
pub const BATCH_GET_LIMIT: usize = 100;
/// TransactWriteItems takes at most 100 items; one event writes at most 8.
pub const TRANSACT_LIMIT: usize = 100;
/// Rounds of retrying unprocessed keys before giving up.
const UNPROCESSED_ROUNDS: u32 = 5;

type Attributes = HashMap<String, AttributeValue>;

/// Why a read or write failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a condition failed: an item changed since it was read")]
    Conflict,
    #[error("DynamoDB is throttling or busy; retry later: {0}")]
    Retryable(String),
    #[error("DynamoDB {operation} failed: {message}")]
    Failed {
        operation: &'static str,
        message: String,
    },
    #[error("item {pk} does not match its record type: {source}")]
    Corrupt {
        pk: String,
        #[source]
        source: serde_dynamo::Error,
    },
    #[error("cannot encode an item: {0}")]
    Encode(#[source] serde_dynamo::Error),
    #[error("a write set of {0} items is over the TransactWriteItems limit of {TRANSACT_LIMIT}")]
    TooManyItems(usize),
}

/// What an SDK error means for the caller (shared by every DynamoDB store).
pub fn classify<E: ProvideErrorMetadata + std::fmt::Debug>(
    operation: &'static str,
    err: SdkError<E>,
) -> StoreError {
    let code = err.code().unwrap_or_default().to_owned();
    let message = err
        .message()
        .map_or_else(|| format!("{err:?}"), str::to_owned);
    let reasons = message.to_ascii_lowercase();
    if code == "TransactionCanceledException" && reasons.contains("conditionalcheckfailed") {
        return StoreError::Conflict;
    }
    if code == "ConditionalCheckFailedException" {
        return StoreError::Conflict;
    }
    let retryable = [
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "TransactionInProgressException",
        "InternalServerError",
        "ServiceUnavailable",
    ];
    if retryable.contains(&code.as_str())
        || (code == "TransactionCanceledException"
            && (reasons.contains("throttling") || reasons.contains("transactionconflict")))
        || matches!(
            err,
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_)
        )
    {
        return StoreError::Retryable(format!("{operation}: {code} {message}"));
    }
    StoreError::Failed {
        operation,
        message: format!("{code} {message}"),
    }
}

/// The table, with a count of the requests made (for the per-invocation summary).
pub struct DynamoTable {
    pub(super) client: Client,
    pub(super) table: String,
    requests: AtomicU64,
}

impl DynamoTable {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            requests: AtomicU64::new(0),
        }
    }

    /// DynamoDB requests made so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub(super) fn count(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Read the items with these keys (missing ones are skipped).
    pub async fn load(&self, keys: &[ItemKey]) -> Result<Vec<Item>, StoreError> {
        let mut unique: Vec<&ItemKey> = keys.iter().collect();
        unique.sort_unstable();
        unique.dedup();
        let mut items = Vec::new();
        for chunk in unique.chunks(BATCH_GET_LIMIT) {
            let keys: Vec<Attributes> = chunk.iter().map(|key| key_of(&key.pk, key.sk)).collect();
            for raw in self.batch_get(keys).await? {
                items.push(decode(raw)?);
            }
        }
        Ok(items)
    }

    async fn batch_get(&self, mut keys: Vec<Attributes>) -> Result<Vec<Attributes>, StoreError> {
        let mut found = Vec::new();
        for round in 0..UNPROCESSED_ROUNDS {
            if keys.is_empty() {
                return Ok(found);
            }
            if round > 0 {
                tokio_sleep(backoff(round)).await;
            }
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut keys)))
                .consistent_read(true)
                .build()
                .map_err(|e| StoreError::Failed {
                    operation: "BatchGetItem",
                    message: e.to_string(),
                })?;
            self.count();
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(|e| classify("BatchGetItem", e))?;
            if let Some(mut responses) = output.responses {
                found.extend(responses.remove(&self.table).unwrap_or_default());
            }
            keys = output
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .map(|k| k.keys)
                .unwrap_or_default();
        }
        if keys.is_empty() {
            Ok(found)
        } else {
            Err(StoreError::Retryable(format!(
                "BatchGetItem left {} keys unprocessed",
                keys.len()
            )))
        }
    }

    /// Apply one event's writes atomically.
    pub async fn apply(&self, writes: &WriteSet) -> Result<(), StoreError> {
        if writes.puts.is_empty() {
            return Ok(());
        }
        if writes.puts.len() > TRANSACT_LIMIT {
            return Err(StoreError::TooManyItems(writes.puts.len()));
        }
        let items = writes
            .puts
            .iter()
            .map(|(item, condition)| self.put(item, *condition))
            .collect::<Result<Vec<_>, _>>()?;
        self.count();
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(|e| classify("TransactWriteItems", e))?;
        Ok(())
    }

    fn put(&self, item: &Item, condition: Condition) -> Result<TransactWriteItem, StoreError> {
        let attributes = encode(item)?;
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(attributes));
        put = match condition {
            Condition::Absent => put.condition_expression(format!("attribute_not_exists({PK})")),
            Condition::Version(v) => put
                .condition_expression("#version = :version")
                .expression_attribute_names("#version", VERSION)
                .expression_attribute_values(":version", AttributeValue::N(v.to_string())),
            Condition::None => put,
        };
        let put = put.build().map_err(|e| StoreError::Failed {
            operation: "TransactWriteItems",
            message: e.to_string(),
        })?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Record that these anomalies (at these versions) reached EventBridge. A newer version
    /// is left alone: it has its own publication to make.
    pub async fn mark_published(
        &self,
        anomalies: &[(TenantId, AnomalyId, u64)],
    ) -> Result<(), StoreError> {
        for (tenant, id, version) in anomalies {
            self.count();
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key_of(
                    &keys::anomaly_pk(tenant, id),
                    keys::SK_ANOMALY,
                )))
                .update_expression("SET #published = :true")
                .condition_expression("#version = :version")
                .expression_attribute_names("#published", PUBLISHED)
                .expression_attribute_names("#version", VERSION)
                .expression_attribute_values(":true", AttributeValue::Bool(true))
                .expression_attribute_values(":version", AttributeValue::N(version.to_string()))
                .send()
                .await;
            match result.map_err(|e| classify("UpdateItem", e)) {
                Ok(_) | Err(StoreError::Conflict) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }
}

async fn tokio_sleep(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// Exponential backoff with full jitter, capped at 2 s.
fn backoff(round: u32) -> Duration {
    let cap = 50u64.saturating_mul(1 << round.min(6)).min(2_000);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    Duration::from_millis(u64::from(nanos) % cap.max(1))
}

pub(super) fn key_of(pk: &str, sk: &str) -> Attributes {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(pk.to_owned())),
        (SK.to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

fn encode(item: &Item) -> Result<Attributes, StoreError> {
    let encoded = match item {
        Item::Marker(r) => to_item(r),
        Item::Request(r) => to_item(r),
        Item::Requester(r) => to_item(r),
        Item::Group(r) => to_item(r),
        Item::Bucket(r) => to_item(r),
        Item::Anomaly(r) => to_item(r.as_ref()),
    };
    encoded.map_err(StoreError::Encode)
}

fn decode(raw: Attributes) -> Result<Item, StoreError> {
    let pk = match raw.get(PK) {
        Some(AttributeValue::S(pk)) => pk.clone(),
        _ => String::new(),
    };
    let sk = match raw.get(SK) {
        Some(AttributeValue::S(sk)) => sk.clone(),
        _ => String::new(),
    };
    let corrupt = |source| StoreError::Corrupt {
        pk: pk.clone(),
        source,
    };
    Ok(match sk.as_str() {
        keys::SK_EVENT => Item::Marker(from_item(raw).map_err(corrupt)?),
        keys::SK_REQUEST => Item::Request(from_item(raw).map_err(corrupt)?),
        keys::SK_REQUESTER => Item::Requester(from_item(raw).map_err(corrupt)?),
        keys::SK_GROUP => Item::Group(from_item(raw).map_err(corrupt)?),
        keys::SK_ANOMALY => Item::Anomaly(Box::new(from_item(raw).map_err(corrupt)?)),
        _ => Item::Bucket(from_item(raw).map_err(corrupt)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_its_cap() {
        for round in 0..10 {
            assert!(backoff(round) < Duration::from_millis(2_000));
        }
    }
}
