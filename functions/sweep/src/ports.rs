//! The narrow interface the sweep needs from the table: the core's [`Table`] (reads, writes,
//! publication marks) plus its listings, progress and lease. Production wires DynamoDB; tests
//! wrap it (to cut a run short, to count what it reads).

use anomalies_core::store::dynamo::client::{DynamoTable, StoreError};
use anomalies_core::store::dynamo::records::SweepStateRecord;
pub use anomalies_core::store::dynamo::table::Table;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
pub trait SweepTable: Table {
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
}

#[async_trait]
impl SweepTable for DynamoTable {
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
}
