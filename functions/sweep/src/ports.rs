//! The narrow interface the sweep needs from the table; production wires DynamoDB, tests can
//! wrap it (to cut a run short, say).

use anomalies_core::domain::{AnomalyId, TenantId};
use anomalies_core::store::dynamo::client::{DynamoTable, StoreError};
use anomalies_core::store::dynamo::keys::ItemKey;
use anomalies_core::store::dynamo::records::SweepStateRecord;
use anomalies_core::store::dynamo::snapshot::{Item, WriteSet};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
pub trait SweepTable: Send + Sync {
    async fn load(&self, keys: &[ItemKey]) -> Result<Vec<Item>, StoreError>;
    async fn apply(&self, writes: &WriteSet) -> Result<(), StoreError>;
    async fn mark_published(
        &self,
        anomalies: &[(TenantId, AnomalyId, u64)],
    ) -> Result<(), StoreError>;
    /// Group partition keys indexed in one time-bucket partition, paged.
    async fn bucket_groups(
        &self,
        partition: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<String>, Option<String>), StoreError>;
    /// Requester partition keys in one activity-day partition, paged.
    async fn activity_requesters(
        &self,
        partition: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<String>, Option<String>), StoreError>;
    async fn state(&self) -> Result<SweepStateRecord, StoreError>;
    async fn save_state(&self, state: &mut SweepStateRecord) -> Result<(), StoreError>;
    async fn acquire_lease(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn release_lease(&self, owner: &str) -> Result<(), StoreError>;
    /// Requests made so far (for the summary line).
    fn requests(&self) -> u64;
}

#[async_trait]
impl SweepTable for DynamoTable {
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
    async fn bucket_groups(
        &self,
        partition: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<String>, Option<String>), StoreError> {
        DynamoTable::bucket_groups(self, partition, after, limit).await
    }
    async fn activity_requesters(
        &self,
        partition: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<String>, Option<String>), StoreError> {
        DynamoTable::activity_requesters(self, partition, after, limit).await
    }
    async fn state(&self) -> Result<SweepStateRecord, StoreError> {
        self.sweep_state().await
    }
    async fn save_state(&self, state: &mut SweepStateRecord) -> Result<(), StoreError> {
        self.save_sweep_state(state).await
    }
    async fn acquire_lease(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        DynamoTable::acquire_lease(self, owner, now, until).await
    }
    async fn release_lease(&self, owner: &str) -> Result<(), StoreError> {
        DynamoTable::release_lease(self, owner).await
    }
    fn requests(&self) -> u64 {
        DynamoTable::requests(self)
    }
}
