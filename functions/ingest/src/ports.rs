//! The narrow interfaces the ingest logic needs: a table and a publisher. Production wires
//! DynamoDB and EventBridge; unit tests wire fakes.

use anomalies_core::domain::{AnomalyId, TenantId};
use anomalies_core::store::dynamo::client::{DynamoTable, StoreError};
use anomalies_core::store::dynamo::keys::ItemKey;
use anomalies_core::store::dynamo::snapshot::{Item, WriteSet};
use async_trait::async_trait;

/// The single table.
#[async_trait]
pub trait Table: Send + Sync {
    async fn load(&self, keys: &[ItemKey]) -> Result<Vec<Item>, StoreError>;
    async fn apply(&self, writes: &WriteSet) -> Result<(), StoreError>;
    async fn mark_published(
        &self,
        anomalies: &[(TenantId, AnomalyId, u64)],
    ) -> Result<(), StoreError>;
    /// Requests made so far (for the summary line).
    fn requests(&self) -> u64;
}

#[async_trait]
impl Table for DynamoTable {
    async fn load(&self, keys: &[ItemKey]) -> Result<Vec<Item>, StoreError> {
        DynamoTable::load(self, keys).await
    }
    async fn apply(&self, writes: &WriteSet) -> Result<(), StoreError> {
        DynamoTable::apply(self, writes).await
    }
    async fn mark_published(
        &self,
        anomalies: &[(TenantId, AnomalyId, u64)],
    ) -> Result<(), StoreError> {
        DynamoTable::mark_published(self, anomalies).await
    }
    fn requests(&self) -> u64 {
        DynamoTable::requests(self)
    }
}

pub use anomalies_core::publish::{Publication, Publisher};
