//! Webhooks, attempts and the delivery ledger in the product's DynamoDB table.
//!
//! | item | pk | sk | access pattern |
//! |---|---|---|---|
//! | webhook | `T#{tenant}#WEBHOOKS` | `{webhook id}` | list a tenant's webhooks (Query pk; also per batch in the webhooks function), get/replace/delete one (key); secrets, token and header values sealed ([`records::WebhookRecord`]) |
//! | attempt | `T#{tenant}#WH#{webhook id}` | `{attempted_at}#{delivery id}#{attempt}` | a webhook's latest attempts (Query pk, newest first, Limit); TTL `expires_at` |
//! | ledger entry | `DLV#{delivery id}` | `S` | claim the next attempt (conditional UpdateItem), settle it (conditional on the attempt number); TTL `expires_at` |
//!
//! Webhooks are versioned: a replace is conditional on the version read. Key builders and
//! attribute names are in `anomalies_core::store::dynamo::keys`; the records in
//! [`records`]; the ledger's conditional updates in [`ledger`]; the key service that seals
//! webhook secrets on KMS in [`kms`].

pub mod kms;
mod ledger;
pub mod records;

use crate::model::{Webhook, WebhookId};
use crate::seal::KeyService;
use crate::store::{
    Attempt, LedgerEntry, StoreError, Stored, WebhookStore, DEFAULT_RETENTION_DAYS,
};
use anomalies_core::domain::TenantId;
use anomalies_core::store::dynamo::keys::{self, PK, SK, VERSION};
use anomalies_core::store::error::classify;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, Utc};
use records::{AttemptRecord, LedgerRecord, WebhookRecord};
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};
use std::sync::Arc;

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn decode<T: serde::de::DeserializeOwned>(
    pk: &str,
    item: std::collections::HashMap<String, AttributeValue>,
) -> Result<T, StoreError> {
    from_item(item).map_err(|source| StoreError::Corrupt {
        pk: pk.to_owned(),
        source: Box::new(source),
    })
}

fn encode<T: serde::Serialize>(
    record: &T,
) -> Result<std::collections::HashMap<String, AttributeValue>, StoreError> {
    to_item(record).map_err(|e| StoreError::Encode(Box::new(e)))
}

/// The DynamoDB webhook store and ledger; webhook secrets sealed with `keys`.
#[derive(Clone)]
pub struct DynamoWebhooks {
    client: Client,
    table: String,
    retention: Duration,
    keys: Arc<dyn KeyService>,
}

impl DynamoWebhooks {
    pub fn new(client: Client, table: impl Into<String>, keys: Arc<dyn KeyService>) -> Self {
        Self {
            client,
            table: table.into(),
            retention: Duration::days(DEFAULT_RETENTION_DAYS),
            keys,
        }
    }

    /// Keep attempts and ledger entries this long.
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    pub(crate) fn expiry(&self, now: DateTime<Utc>) -> i64 {
        (now + self.retention).timestamp()
    }

    async fn put(
        &self,
        record: &WebhookRecord,
        condition: &str,
        version: Option<u64>,
    ) -> Result<(), StoreError> {
        let item = encode(record)?;
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
        put.send().await.map_err(|e| classify("PutItem", e))?;
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
            .key(PK, s(&pk))
            .key(SK, s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| classify("GetItem", e))?;
        output.item.map(|item| decode::<T>(&pk, item)).transpose()
    }

    pub(crate) async fn ledger_entry(
        &self,
        delivery: &str,
    ) -> Result<Option<LedgerEntry>, StoreError> {
        let record: Option<LedgerRecord> = self
            .item(keys::ledger_pk(delivery), keys::SK_LEDGER)
            .await?;
        Ok(record.map(|r| r.entry()))
    }
}

#[async_trait]
impl WebhookStore for DynamoWebhooks {
    async fn insert(&self, webhook: &Webhook) -> Result<(), StoreError> {
        let pk = keys::webhooks_pk(&webhook.tenant_id);
        let record = WebhookRecord::seal(pk, webhook, 1, self.keys.as_ref()).await?;
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
                .expression_attribute_values(":pk", s(keys::webhooks_pk(tenant)))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| classify("Query", e))?;
            for item in output.items.unwrap_or_default() {
                let record: WebhookRecord = decode(&keys::webhooks_pk(tenant), item)?;
                stored.push(record.open(tenant, self.keys.as_ref()).await?);
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(stored);
            }
        }
    }

    async fn get(&self, tenant: &TenantId, id: &WebhookId) -> Result<Option<Stored>, StoreError> {
        let record: Option<WebhookRecord> =
            self.item(keys::webhooks_pk(tenant), id.as_str()).await?;
        match record {
            Some(record) => Ok(Some(record.open(tenant, self.keys.as_ref()).await?)),
            None => Ok(None),
        }
    }

    async fn replace(&self, webhook: &Webhook, version: u64) -> Result<(), StoreError> {
        let pk = keys::webhooks_pk(&webhook.tenant_id);
        let record = WebhookRecord::seal(pk, webhook, version + 1, self.keys.as_ref()).await?;
        self.put(&record, "#v = :v", Some(version)).await
    }

    async fn delete(&self, tenant: &TenantId, id: &WebhookId) -> Result<bool, StoreError> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(keys::webhooks_pk(tenant)))
            .key(SK, s(id.as_str()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| classify("DeleteItem", e))?;
        Ok(output.attributes.is_some_and(|a| !a.is_empty()))
    }

    async fn record(&self, attempt: &Attempt) -> Result<(), StoreError> {
        let record = AttemptRecord {
            pk: keys::attempts_pk(&attempt.tenant_id, attempt.webhook_id.as_str()),
            sk: keys::attempt_sk(attempt.attempted_at, &attempt.delivery_id, attempt.attempt),
            expires_at: self.expiry(attempt.attempted_at),
            attempt: attempt.clone(),
        };
        let item = encode(&record)?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| classify("PutItem", e))?;
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
            .expression_attribute_values(":pk", s(keys::attempts_pk(tenant, id.as_str())))
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| classify("Query", e))?;
        output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| {
                decode::<AttemptRecord>(&keys::attempts_pk(tenant, id.as_str()), item)
                    .map(|r| r.attempt)
            })
            .collect()
    }
}
