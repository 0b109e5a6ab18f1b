//! The table on DynamoDB, as the sweep uses it ([`SweepTable`]): groups listed in a
//! time-bucket partition and requesters in an activity-day partition (paged), the sweep's
//! progress item (version-checked), and a lease item with an expiry so two runs never sweep
//! at once.

use super::client::{key_of, DynamoTable};
use super::keys::{self, LEASE_OWNER, LEASE_UNTIL, PK, SK, VERSION};
use super::records::SweepStateRecord;
use super::table::{KeyPage, SweepTable};
use crate::store::error::classify;
use crate::store::StoreError;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};

/// One page of a key-only listing: the values of `attribute`, and the last one when the
/// partition has more.
fn key_page(page: aws_sdk_dynamodb::operation::query::QueryOutput, attribute: &str) -> KeyPage {
    let values: Vec<String> = page
        .items
        .unwrap_or_default()
        .into_iter()
        .filter_map(|mut item| match item.remove(attribute) {
            Some(AttributeValue::S(value)) => Some(value),
            _ => None,
        })
        .collect();
    let next = page.last_evaluated_key.and(values.last().cloned());
    (values, next)
}

pub(super) fn limit_of(limit: usize) -> i32 {
    i32::try_from(limit).unwrap_or(i32::MAX)
}

#[async_trait]
impl SweepTable for DynamoTable {
    async fn bucket_groups(
        &self,
        partition: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, StoreError> {
        self.count();
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", AttributeValue::S(partition.into()))
            .projection_expression("#sk")
            .set_exclusive_start_key(after.map(|a| key_of(partition, a)))
            .limit(limit_of(limit))
            .send()
            .await
            .map_err(|e| classify("Query", e))?;
        Ok(key_page(page, SK))
    }

    async fn activity_requesters(
        &self,
        partition: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, StoreError> {
        self.count();
        let start = after.map(|a| {
            let mut key = key_of(a, keys::SK_REQUESTER);
            key.insert(keys::GSI7_PK.into(), AttributeValue::S(partition.into()));
            key
        });
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI7)
            .key_condition_expression("#day = :day")
            .expression_attribute_names("#day", keys::GSI7_PK)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":day", AttributeValue::S(partition.into()))
            .projection_expression("#pk")
            .set_exclusive_start_key(start)
            .limit(limit_of(limit))
            .send()
            .await
            .map_err(|e| classify("Query", e))?;
        Ok(key_page(page, PK))
    }

    async fn state(&self) -> Result<SweepStateRecord, StoreError> {
        self.count();
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::SWEEP_PK, keys::SK_SWEEP_STATE)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| classify("GetItem", e))?;
        match output.item {
            Some(item) => from_item(item).map_err(|source| StoreError::Corrupt {
                pk: keys::SWEEP_PK.into(),
                source: Box::new(source),
            }),
            None => Ok(SweepStateRecord::default()),
        }
    }

    async fn save_state(&self, state: &mut SweepStateRecord) -> Result<(), StoreError> {
        self.count();
        let expected = state.version;
        state.version += 1;
        let item = to_item(&*state).map_err(|e| StoreError::Encode(Box::new(e)))?;
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        put = if expected == 0 {
            put.condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PK)
        } else {
            put.condition_expression("#version = :version")
                .expression_attribute_names("#version", VERSION)
                .expression_attribute_values(":version", AttributeValue::N(expected.to_string()))
        };
        let result = put.send().await.map_err(|e| classify("PutItem", e));
        if result.is_err() {
            state.version = expected;
        }
        result.map(|_| ())
    }

    async fn acquire_lease(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.count();
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PK, AttributeValue::S(keys::SWEEP_PK.into()))
            .item(SK, AttributeValue::S(keys::SK_SWEEP_LEASE.into()))
            .item(LEASE_OWNER, AttributeValue::S(owner.into()))
            .item(
                LEASE_UNTIL,
                AttributeValue::N(until.timestamp().to_string()),
            )
            .condition_expression("attribute_not_exists(#pk) OR #until < :now OR #owner = :owner")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#until", LEASE_UNTIL)
            .expression_attribute_names("#owner", LEASE_OWNER)
            .expression_attribute_values(":now", AttributeValue::N(now.timestamp().to_string()))
            .expression_attribute_values(":owner", AttributeValue::S(owner.into()))
            .send()
            .await;
        match result.map_err(|e| classify("PutItem", e)) {
            Ok(_) => Ok(true),
            Err(StoreError::Conflict) => Ok(false),
            Err(other) => Err(other),
        }
    }

    async fn release_lease(&self, owner: &str) -> Result<(), StoreError> {
        self.count();
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::SWEEP_PK, keys::SK_SWEEP_LEASE)))
            .condition_expression("#owner = :owner")
            .expression_attribute_names("#owner", LEASE_OWNER)
            .expression_attribute_values(":owner", AttributeValue::S(owner.into()))
            .send()
            .await;
        match result.map_err(|e| classify("DeleteItem", e)) {
            Ok(_) | Err(StoreError::Conflict) => Ok(()),
            Err(other) => Err(other),
        }
    }
}
