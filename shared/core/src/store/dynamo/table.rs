//! The narrow interfaces the functions need from the single table. [`Table`] is what
//! detection needs (ingest; the sweep; the query API's publication marks): batched reads, one
//! conditional write set, publication marks. [`SweepTable`] adds the sweep's listings, its
//! progress item and its lease. DynamoDB implements both (`client.rs`, `sweep_items.rs`);
//! [`super::memory_table::MemoryTable`] implements them in memory for unit tests.

use super::keys::ItemKey;
use super::records::SweepStateRecord;
use super::snapshot::{Item, WriteSet};
use crate::domain::{AnomalyId, TenantId};
use crate::store::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// One page of a key-only listing: the keys, and the last one when more may follow.
pub type KeyPage = (Vec<String>, Option<String>);

/// The single table, as detection uses it.
#[async_trait]
pub trait Table: Send + Sync {
    /// The items with these keys (missing ones are skipped).
    async fn load(&self, keys: &[ItemKey]) -> Result<Vec<Item>, StoreError>;
    /// Apply one event's (or one sweep chunk's) writes atomically, each on its condition.
    async fn apply(&self, writes: &WriteSet) -> Result<(), StoreError>;
    /// Record that these anomalies (at these versions) were announced. A newer version is
    /// left alone: it has its own announcement to make.
    async fn mark_published(
        &self,
        anomalies: &[(TenantId, AnomalyId, u64)],
    ) -> Result<(), StoreError>;
    /// Requests made so far (for the summary line).
    fn requests(&self) -> u64;
}

/// The table as the sweep uses it.
#[async_trait]
pub trait SweepTable: Table {
    /// Up to `limit` group partition keys indexed in one time-bucket partition, after
    /// `after`.
    async fn bucket_groups(
        &self,
        partition: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, StoreError>;
    /// Up to `limit` requester partition keys in one activity-day partition, after `after`.
    async fn activity_requesters(
        &self,
        partition: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, StoreError>;
    /// The sweep's progress; the default when none is stored yet.
    async fn state(&self) -> Result<SweepStateRecord, StoreError>;
    /// Store the progress if nobody changed it since `state.version` was read; the stored
    /// version becomes `state.version + 1` (also set on `state`).
    async fn save_state(&self, state: &mut SweepStateRecord) -> Result<(), StoreError>;
    /// Take the lease for `owner` until `until`, unless another owner holds an unexpired
    /// one. False when it is held.
    async fn acquire_lease(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Give the lease back (only if `owner` still holds it).
    async fn release_lease(&self, owner: &str) -> Result<(), StoreError>;
}
