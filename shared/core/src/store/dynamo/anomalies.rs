//! The query side of the table: index range reads for the query engine (one Query per read,
//! following `LastEvaluatedKey` until the count asked for), single-anomaly reads,
//! version-checked replacement of an anomaly for triage, and the dormant-requester listing.

use super::client::{key_of, DynamoTable};
use super::keys::{self, GSI_SK, VERSION};
use super::records::{AnomalyRecord, RequesterRecord};
use super::sweep_items::limit_of;
use crate::anomaly::Anomaly;
use crate::domain::{AnomalyId, TenantId};
use crate::query::{IndexReader, ReadError, ReadRequest};
use crate::store::error::classify;
use crate::store::StoreError;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};
use std::sync::Arc;

impl DynamoTable {
    /// One index range, newest first, at most `limit` items.
    pub async fn read_index(
        &self,
        request: ReadRequest<'_>,
    ) -> Result<Vec<Arc<Anomaly>>, StoreError> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            self.count();
            let remaining = i32::try_from(request.limit - out.len()).unwrap_or(i32::MAX);
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(request.index.name())
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :lower AND :upper")
                .expression_attribute_names("#pk", request.index.partition_attribute())
                .expression_attribute_names("#sk", GSI_SK)
                .expression_attribute_values(":pk", AttributeValue::S(request.partition.into()))
                .expression_attribute_values(":lower", AttributeValue::S(request.lower.into()))
                .expression_attribute_values(":upper", AttributeValue::S(request.upper.into()))
                .scan_index_forward(false)
                .limit(remaining)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| classify("Query", e))?;
            for item in page.items.unwrap_or_default() {
                let pk = match item.get(keys::PK) {
                    Some(AttributeValue::S(pk)) => pk.clone(),
                    _ => String::new(),
                };
                let record: AnomalyRecord =
                    from_item(item).map_err(|source| StoreError::Corrupt {
                        pk,
                        source: Box::new(source),
                    })?;
                out.push(Arc::new(record.anomaly));
            }
            start = page.last_evaluated_key;
            if out.len() >= request.limit || start.is_none() {
                return Ok(out);
            }
        }
    }

    /// One anomaly of `tenant`, with its version (strongly consistent).
    pub async fn anomaly(
        &self,
        tenant: &TenantId,
        id: &AnomalyId,
    ) -> Result<Option<AnomalyRecord>, StoreError> {
        self.count();
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_of(
                &keys::anomaly_pk(tenant, id),
                keys::SK_ANOMALY,
            )))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| classify("GetItem", e))?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        let record = from_item(item).map_err(|source| StoreError::Corrupt {
            pk: keys::anomaly_pk(tenant, id),
            source: Box::new(source),
        })?;
        Ok(Some(record))
    }

    /// Store `record` if the stored version is still `expected` (else [`StoreError::Conflict`]).
    pub async fn replace_anomaly(
        &self,
        record: &AnomalyRecord,
        expected: u64,
    ) -> Result<(), StoreError> {
        self.count();
        let item = to_item(record).map_err(|e| StoreError::Encode(Box::new(e)))?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("#version = :version")
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_values(":version", AttributeValue::N(expected.to_string()))
            .send()
            .await
            .map_err(|e| classify("PutItem", e))?;
        Ok(())
    }

    /// A tenant's dormant requesters (`gsi8`), by last request time, after the sort key
    /// `after`: at most `limit`, and whether more follow.
    pub async fn dormant_requesters(
        &self,
        tenant: &TenantId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<RequesterRecord>, bool), StoreError> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            self.count();
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::GSI8)
                .expression_attribute_names("#pk", keys::GSI8_PK)
                .expression_attribute_values(":pk", AttributeValue::S(keys::dormant_pk(tenant)))
                .limit(limit_of(limit + 1 - out.len()))
                .set_exclusive_start_key(start);
            query = match after {
                Some(after) => query
                    .key_condition_expression("#pk = :pk AND #sk > :after")
                    .expression_attribute_names("#sk", keys::GSI8_SK)
                    .expression_attribute_values(":after", AttributeValue::S(after.into())),
                None => query.key_condition_expression("#pk = :pk"),
            };
            let page = query.send().await.map_err(|e| classify("Query", e))?;
            for item in page.items.unwrap_or_default() {
                let record: RequesterRecord =
                    from_item(item).map_err(|source| StoreError::Corrupt {
                        pk: keys::dormant_pk(tenant),
                        source: Box::new(source),
                    })?;
                out.push(record);
            }
            start = page.last_evaluated_key;
            if out.len() > limit {
                out.truncate(limit);
                return Ok((out, true));
            }
            if start.is_none() {
                return Ok((out, false));
            }
        }
    }
}

#[async_trait]
impl IndexReader for DynamoTable {
    async fn read(&self, request: ReadRequest<'_>) -> Result<Vec<Arc<Anomaly>>, ReadError> {
        // DynamoDB refuses a BETWEEN whose lower bound is above its upper one; such a range
        // (a window that starts after it ends) holds nothing.
        if request.lower > request.upper {
            return Ok(Vec::new());
        }
        let index = request.index.name();
        self.read_index(request)
            .await
            .map_err(|source| ReadError { index, source })
    }
}
