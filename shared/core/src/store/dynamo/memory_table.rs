//! The single table in memory, for the functions' unit tests (feature `test-support`): the
//! same [`Table`] and [`SweepTable`] contract as DynamoDB — all-or-nothing conditional write
//! sets, version-checked publication marks and progress, an expiring lease, listings paged
//! as a DynamoDB Query with `Limit` pages them — plus knobs to make writes conflict or fail,
//! as a concurrent Lambda or a cut-off run would.

use super::keys::{self, ItemKey};
use super::records::{AnomalyRecord, SweepStateRecord};
use super::snapshot::{Condition, Item, WriteSet};
use super::table::{KeyPage, SweepTable, Table};
use crate::domain::{AnomalyId, TenantId};
use crate::store::error::TRANSACT_LIMIT;
use crate::store::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

/// BatchGetItem's limit, to count requests as DynamoDB would.
const BATCH_GET_LIMIT: usize = 100;

#[derive(Default)]
struct Contents {
    items: BTreeMap<(String, String), Item>,
    state: Option<SweepStateRecord>,
    /// (owner, until in epoch seconds), as the lease item holds them.
    lease: Option<(String, i64)>,
}

/// The table.
pub struct MemoryTable {
    contents: Mutex<Contents>,
    requests: AtomicU64,
    items_read: AtomicU64,
    /// Write sets applied before every further one fails as retryable (`usize::MAX`: none).
    writes_left: AtomicUsize,
    /// Write sets that fail with a conflict before the next one is applied.
    conflicts: AtomicUsize,
}

impl Default for MemoryTable {
    fn default() -> Self {
        Self {
            contents: Mutex::default(),
            requests: AtomicU64::new(0),
            items_read: AtomicU64::new(0),
            writes_left: AtomicUsize::new(usize::MAX),
            conflicts: AtomicUsize::new(0),
        }
    }
}

fn poisoned() -> StoreError {
    StoreError::failed(
        "memory table",
        "a test thread panicked while holding the table",
    )
}

impl MemoryTable {
    pub fn new() -> Self {
        Self::default()
    }

    fn contents(&self) -> Result<std::sync::MutexGuard<'_, Contents>, StoreError> {
        self.contents.lock().map_err(|_| poisoned())
    }

    fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Let `n` more write sets through, then fail every further one (a run cut off).
    pub fn fail_writes_after(&self, n: usize) {
        self.writes_left.store(n, Ordering::SeqCst);
    }

    /// Make the next `n` write sets fail with a conflict (another writer got there first).
    pub fn conflict_next_writes(&self, n: usize) {
        self.conflicts.store(n, Ordering::SeqCst);
    }

    /// Items returned by reads and listings since the last call.
    pub fn take_items_read(&self) -> u64 {
        self.items_read.swap(0, Ordering::Relaxed)
    }

    /// Store items as they are (seeding).
    pub fn put(&self, items: impl IntoIterator<Item = Item>) {
        if let Ok(mut contents) = self.contents.lock() {
            for item in items {
                let (pk, sk) = item.key();
                contents.items.insert((pk.to_owned(), sk.to_owned()), item);
            }
        }
    }

    /// Every item, in key order.
    pub fn items(&self) -> Vec<Item> {
        self.contents
            .lock()
            .map(|c| c.items.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Every stored anomaly, in key order.
    pub fn anomalies(&self) -> Vec<AnomalyRecord> {
        self.items()
            .into_iter()
            .filter_map(|item| match item {
                Item::Anomaly(record) => Some(*record),
                _ => None,
            })
            .collect()
    }

    /// The sweep's stored progress, if any.
    pub fn stored_state(&self) -> Option<SweepStateRecord> {
        self.contents.lock().ok().and_then(|c| c.state.clone())
    }

    fn page(&self, keys: Vec<String>, after: Option<&str>, limit: usize) -> KeyPage {
        let page: Vec<String> = keys
            .into_iter()
            .filter(|k| after.is_none_or(|a| k.as_str() > a))
            .take(limit)
            .collect();
        self.items_read
            .fetch_add(page.len() as u64, Ordering::Relaxed);
        // As a Query with `Limit`: a full page says more may follow.
        let next = (page.len() == limit)
            .then(|| page.last().cloned())
            .flatten();
        (page, next)
    }
}

fn holds(current: Option<&Item>, condition: Condition) -> bool {
    match condition {
        Condition::Absent => current.is_none(),
        Condition::Version(v) => current.and_then(Item::version) == Some(v),
        Condition::None => true,
    }
}

#[async_trait]
impl Table for MemoryTable {
    async fn load(&self, keys: &[ItemKey]) -> Result<Vec<Item>, StoreError> {
        let mut unique: Vec<&ItemKey> = keys.iter().collect();
        unique.sort_unstable();
        unique.dedup();
        for _ in unique.chunks(BATCH_GET_LIMIT) {
            self.request();
        }
        let contents = self.contents()?;
        let found: Vec<Item> = unique
            .into_iter()
            .filter_map(|k| {
                contents
                    .items
                    .get(&(k.pk.clone(), k.sk.to_owned()))
                    .cloned()
            })
            .collect();
        self.items_read
            .fetch_add(found.len() as u64, Ordering::Relaxed);
        Ok(found)
    }

    async fn apply(&self, writes: &WriteSet) -> Result<(), StoreError> {
        if writes.puts.is_empty() {
            return Ok(());
        }
        if writes.puts.len() > TRANSACT_LIMIT {
            return Err(StoreError::TooManyItems(writes.puts.len()));
        }
        self.request();
        let allowed = self
            .writes_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if allowed.is_err() {
            return Err(StoreError::retryable("TransactWriteItems", "cut off"));
        }
        let conflict = self
            .conflicts
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if conflict.is_ok() {
            return Err(StoreError::Conflict);
        }
        let mut contents = self.contents()?;
        let ok = writes.puts.iter().all(|(item, condition)| {
            let (pk, sk) = item.key();
            holds(
                contents.items.get(&(pk.to_owned(), sk.to_owned())),
                *condition,
            )
        });
        if !ok {
            return Err(StoreError::Conflict);
        }
        for (item, _) in &writes.puts {
            let (pk, sk) = item.key();
            contents
                .items
                .insert((pk.to_owned(), sk.to_owned()), item.clone());
        }
        Ok(())
    }

    async fn mark_published(
        &self,
        anomalies: &[(TenantId, AnomalyId, u64)],
    ) -> Result<(), StoreError> {
        let mut contents = self.contents()?;
        for (tenant, id, version) in anomalies {
            self.request();
            let key = (keys::anomaly_pk(tenant, id), keys::SK_ANOMALY.to_owned());
            if let Some(Item::Anomaly(record)) = contents.items.get_mut(&key) {
                if record.version == *version {
                    record.published = true;
                }
            }
        }
        Ok(())
    }

    fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl SweepTable for MemoryTable {
    async fn bucket_groups(
        &self,
        partition: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, StoreError> {
        self.request();
        let groups: Vec<String> = self
            .contents()?
            .items
            .range((partition.to_owned(), String::new())..)
            .take_while(|((pk, _), _)| pk == partition)
            .map(|((_, sk), _)| sk.clone())
            .collect();
        Ok(self.page(groups, after, limit))
    }

    async fn activity_requesters(
        &self,
        partition: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, StoreError> {
        self.request();
        let requesters: Vec<String> = self
            .contents()?
            .items
            .values()
            .filter_map(|item| match item {
                Item::Requester(r) if r.gsi7pk.as_deref() == Some(partition) => Some(r.pk.clone()),
                _ => None,
            })
            .collect();
        Ok(self.page(requesters, after, limit))
    }

    async fn state(&self) -> Result<SweepStateRecord, StoreError> {
        self.request();
        self.items_read.fetch_add(1, Ordering::Relaxed);
        Ok(self.contents()?.state.clone().unwrap_or_default())
    }

    async fn save_state(&self, state: &mut SweepStateRecord) -> Result<(), StoreError> {
        self.request();
        let mut contents = self.contents()?;
        let stored = contents.state.as_ref().map(|s| s.version);
        let expected = state.version;
        let holds = match stored {
            None => expected == 0,
            Some(v) => v == expected,
        };
        if !holds {
            return Err(StoreError::Conflict);
        }
        state.version = expected + 1;
        contents.state = Some(state.clone());
        Ok(())
    }

    async fn acquire_lease(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.request();
        let mut contents = self.contents()?;
        let free = match &contents.lease {
            None => true,
            Some((holder, held_until)) => *held_until < now.timestamp() || holder == owner,
        };
        if free {
            contents.lease = Some((owner.to_owned(), until.timestamp()));
        }
        Ok(free)
    }

    async fn release_lease(&self, owner: &str) -> Result<(), StoreError> {
        self.request();
        let mut contents = self.contents()?;
        if contents
            .lease
            .as_ref()
            .is_some_and(|(holder, _)| holder == owner)
        {
            contents.lease = None;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::dynamo::records::BucketRecord;

    fn bucket(pk: &str, group: &str) -> Item {
        Item::Bucket(BucketRecord {
            pk: pk.into(),
            sk: group.into(),
            expires_at: 0,
        })
    }

    #[tokio::test]
    async fn a_write_set_applies_whole_or_not_at_all() {
        // Arrange: an item that exists, so a second `Absent` put of it must fail.
        let table = MemoryTable::new();
        let first = WriteSet {
            puts: vec![(bucket("B#1#0", "g1"), Condition::Absent)],
        };
        table.apply(&first).await.unwrap();
        let both = WriteSet {
            puts: vec![
                (bucket("B#1#0", "g2"), Condition::Absent),
                (bucket("B#1#0", "g1"), Condition::Absent),
            ],
        };
        // Act
        let result = table.apply(&both).await;
        // Assert: a conflict, and g2 was not written either.
        assert!(matches!(result, Err(StoreError::Conflict)));
        assert_eq!(table.items().len(), 1);
    }

    #[tokio::test]
    async fn listings_page_like_a_query_with_a_limit() {
        // Arrange
        let table = MemoryTable::new();
        table.put(["g1", "g2", "g3"].map(|g| bucket("B#1#0", g)));
        table.put([bucket("B#1#1", "other")]);
        // Act
        let (first, next) = table.bucket_groups("B#1#0", None, 2).await.unwrap();
        let (rest, end) = table
            .bucket_groups("B#1#0", next.as_deref(), 2)
            .await
            .unwrap();
        // Assert
        assert_eq!(
            (first, next.as_deref()),
            (vec!["g1".into(), "g2".into()], Some("g2"))
        );
        assert_eq!((rest, end), (vec!["g3".to_owned()], None));
    }

    #[tokio::test]
    async fn progress_is_version_checked_and_the_lease_expires() {
        let table = MemoryTable::new();
        let t = |s: i64| DateTime::<Utc>::from_timestamp(1_800_000_000 + s, 0).unwrap();
        // Progress: a stale copy cannot overwrite a newer one.
        let mut state = table.state().await.unwrap();
        let mut stale = state.clone();
        table.save_state(&mut state).await.unwrap();
        assert!(matches!(
            table.save_state(&mut stale).await,
            Err(StoreError::Conflict)
        ));
        assert_eq!(table.stored_state().unwrap().version, 1);
        // Lease: held until it expires, then anyone may take it.
        assert!(table.acquire_lease("a", t(0), t(60)).await.unwrap());
        assert!(!table.acquire_lease("b", t(30), t(90)).await.unwrap());
        assert!(table.acquire_lease("b", t(61), t(120)).await.unwrap());
        table.release_lease("a").await.unwrap();
        assert!(!table.acquire_lease("c", t(62), t(90)).await.unwrap());
    }
}
