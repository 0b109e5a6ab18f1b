//! Source credentials in the product's DynamoDB table.
//!
//! | item | pk | sk | access pattern |
//! |---|---|---|---|
//! | source credential | `T#{tenant}#SOURCES` | `{credential id}` | list a tenant's credentials (Query pk, consistent); verify a token (GetItem, consistent: the token names tenant and id); delete one (DeleteItem) |
//!
//! The item holds the credential with the SHA-256 of its secret, never the secret.

use super::{CredentialId, SourceCredential, SourceStore};
use crate::domain::TenantId;
use crate::store::dynamo::keys::{self, PK, SK};
use crate::store::error::classify;
use crate::store::StoreError;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;
use serde::{Deserialize, Serialize};
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};

/// A source-credential item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceCredentialRecord {
    pub pk: String,
    pub sk: String,
    pub credential: SourceCredential,
}

impl SourceCredentialRecord {
    pub fn new(credential: &SourceCredential) -> Self {
        Self {
            pk: keys::sources_pk(&credential.tenant_id),
            sk: credential.id.to_string(),
            credential: credential.clone(),
        }
    }
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn decode(
    pk: &str,
    item: std::collections::HashMap<String, AttributeValue>,
) -> Result<SourceCredential, StoreError> {
    from_item::<SourceCredentialRecord>(item)
        .map(|r| r.credential)
        .map_err(|source| StoreError::Corrupt {
            pk: pk.to_owned(),
            source: Box::new(source),
        })
}

/// The DynamoDB source-credential store.
#[derive(Clone)]
pub struct DynamoSources {
    client: Client,
    table: String,
}

impl DynamoSources {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

#[async_trait]
impl SourceStore for DynamoSources {
    async fn insert(&self, credential: &SourceCredential) -> Result<(), StoreError> {
        let item = to_item(SourceCredentialRecord::new(credential))
            .map_err(|e| StoreError::Encode(Box::new(e)))?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await
            .map_err(|e| classify("PutItem", e))?;
        Ok(())
    }

    async fn list(&self, tenant: &TenantId) -> Result<Vec<SourceCredential>, StoreError> {
        let pk = keys::sources_pk(tenant);
        let mut list = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":pk", s(&pk))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| classify("Query", e))?;
            for item in output.items.unwrap_or_default() {
                list.push(decode(&pk, item)?);
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                list.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
                return Ok(list);
            }
        }
    }

    async fn get(
        &self,
        tenant: &TenantId,
        id: &CredentialId,
    ) -> Result<Option<SourceCredential>, StoreError> {
        let pk = keys::sources_pk(tenant);
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(&pk))
            .key(SK, s(id.as_str()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| classify("GetItem", e))?;
        output.item.map(|item| decode(&pk, item)).transpose()
    }

    async fn delete(&self, tenant: &TenantId, id: &CredentialId) -> Result<bool, StoreError> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(keys::sources_pk(tenant)))
            .key(SK, s(id.as_str()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| classify("DeleteItem", e))?;
        Ok(output.attributes.is_some_and(|a| !a.is_empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::Source;

    #[test]
    fn a_source_credential_record_round_trips_without_its_secret() {
        // Arrange
        let tenant = TenantId::try_from("acme").unwrap();
        let (credential, token) =
            SourceCredential::issue(&tenant, Source::Teleport, "prod".into(), chrono::Utc::now());
        let record = SourceCredentialRecord::new(&credential);
        // Act
        let item = to_item(record.clone()).unwrap();
        let back: SourceCredentialRecord = from_item(item.clone()).unwrap();
        // Assert
        assert_eq!(back, record);
        assert_eq!(record.pk, "T#acme#SOURCES");
        let secret = token.rsplit('.').next().unwrap();
        assert!(!format!("{item:?}").contains(secret));
    }
}
