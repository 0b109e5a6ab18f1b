//! The narrow interface the functions need from the single table for detection: batched
//! reads, one conditional write set, publication marks. DynamoDB implements it; tests wrap it
//! (to cut a run short, to count what it reads). The ingest function uses it as is; the sweep
//! extends it with its listings, progress and lease.

use super::client::{DynamoTable, StoreError};
use super::keys::ItemKey;
use super::snapshot::{Item, WriteSet};
use crate::domain::{AnomalyId, TenantId};
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
