//! The table on DynamoDB, as detection uses it ([`Table`]): read a batch's items with
//! BatchGetItem, apply one event's writes with one TransactWriteItems, mark anomalies
//! published with a version-conditional UpdateItem. SDK errors mean what
//! [`crate::store::error::classify`] says.

use super::keys::{self, ItemKey, PK, PUBLISHED, SK, VERSION};
use super::snapshot::{Condition, Item, WriteSet};
use super::table::Table;
use crate::domain::{AnomalyId, TenantId};
use crate::store::error::{classify, TRANSACT_LIMIT};
use crate::store::StoreError;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// BatchGetItem takes at most 100 keys per request.
pub const BATCH_GET_LIMIT: usize = 100;
/// Rounds of retrying unprocessed keys before giving up.
const UNPROCESSED_ROUNDS: u32 = 5;

type Attributes = HashMap<String, AttributeValue>;

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

    pub(super) fn count(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
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
                    source: Box::new(e),
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
            Err(StoreError::retryable(
                "BatchGetItem",
                format!("{} keys left unprocessed", keys.len()),
            ))
        }
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
            source: Box::new(e),
        })?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

#[async_trait]
impl Table for DynamoTable {
    async fn load(&self, keys: &[ItemKey]) -> Result<Vec<Item>, StoreError> {
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

    async fn apply(&self, writes: &WriteSet) -> Result<(), StoreError> {
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

    async fn mark_published(
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

    fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
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

/// An item as DynamoDB attributes.
pub fn encode(item: &Item) -> Result<Attributes, StoreError> {
    let encoded = match item {
        Item::Marker(r) => to_item(r),
        Item::Request(r) => to_item(r),
        Item::Requester(r) => to_item(r),
        Item::Group(r) => to_item(r),
        Item::Bucket(r) => to_item(r),
        Item::Anomaly(r) => to_item(r.as_ref()),
    };
    encoded.map_err(|e| StoreError::Encode(Box::new(e)))
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
    let corrupt = |source: serde_dynamo::Error| StoreError::Corrupt {
        pk: pk.clone(),
        source: Box::new(source),
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
