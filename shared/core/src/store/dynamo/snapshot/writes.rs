//! A snapshot's changes as write sets: each changed record at its next version, conditional
//! on the version read (absent: must not exist), pruned and given its TTL just before it is
//! written; index entries unconditionally.

use super::{Condition, Item, Slot, Snapshot, WriteSet};
use crate::domain::{AccessEvent, AnomalyId};
use crate::rules::access_automation::GroupEntry;
use crate::store::dynamo::records::{
    AnomalyRecord, EventMarkerRecord, GroupRecord, RequestRecord, RequesterRecord,
};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::hash::Hash;

impl Snapshot {
    /// The writes of the event just processed. `produced` are the anomaly ids it created or
    /// changed (kept in the marker so a redelivery can republish them).
    pub fn take_writes(&mut self, event: &AccessEvent, produced: Vec<AnomalyId>) -> WriteSet {
        let mut puts = Vec::new();
        if let Some((tenant, event_id)) = &self.changes.marker {
            let days = self.retention.event_days;
            let expires = (event.occurred_at + Duration::days(days)).timestamp();
            let marker = EventMarkerRecord::new(tenant, event_id, produced, expires);
            puts.push((Item::Marker(marker), Condition::Absent));
        }
        self.stage_changes(event.occurred_at, &mut puts);
        WriteSet { puts }
    }

    /// The writes of a sweep at `at` (groups and anomalies it changed).
    pub fn take_sweep_writes(&mut self, at: DateTime<Utc>) -> WriteSet {
        let mut puts = Vec::new();
        self.stage_changes(at, &mut puts);
        WriteSet { puts }
    }

    /// Version and queue every changed item; `now` prunes what has aged out.
    fn stage_changes(&mut self, now: DateTime<Utc>, puts: &mut Vec<(Item, Condition)>) {
        let r = &self.retention;
        let changes = &self.changes;
        stage(
            &mut self.requests,
            &changes.requests,
            puts,
            |_| {},
            Item::Request,
        );
        let cutoff = now - Duration::days(r.rejection_days);
        let prune_rejections = |u: &mut RequesterRecord| {
            u.rejections.retain(|rej| rej.rejected_at >= cutoff);
            u.refresh_index();
        };
        stage(
            &mut self.requesters,
            &changes.requesters,
            puts,
            prune_rejections,
            Item::Requester,
        );
        let keep = r.group_keep();
        let prune_group = |g: &mut GroupRecord| {
            prune_entries(&mut g.state.entries, keep);
            let latest = g.state.entries.last().map_or(now, |e| e.created_at);
            g.expires_at = (latest + keep).timestamp();
        };
        stage(
            &mut self.groups,
            &changes.groups,
            puts,
            prune_group,
            Item::Group,
        );
        let boxed = |a: AnomalyRecord| Item::Anomaly(Box::new(a));
        stage(&mut self.anomalies, &changes.anomalies, puts, |_| {}, boxed);
        for bucket in &self.changes.buckets {
            puts.push((Item::Bucket(bucket.clone()), Condition::None));
        }
    }
}

/// Records written with optimistic locking.
pub(super) trait Versioned {
    fn version(&self) -> u64;
    fn set_version(&mut self, version: u64);
}

macro_rules! versioned {
    ($($record:ty),*) => {$(
        impl Versioned for $record {
            fn version(&self) -> u64 {
                self.version
            }
            fn set_version(&mut self, version: u64) {
                self.version = version;
            }
        }
    )*};
}

versioned!(RequestRecord, RequesterRecord, GroupRecord, AnomalyRecord);

/// Queue a conditional put of each changed record at its next version; `prepare` adjusts a
/// record (pruning, TTL) just before it is written.
fn stage<K: Eq + Hash, T: Versioned + Clone>(
    map: &mut HashMap<K, Slot<T>>,
    keys: &[K],
    puts: &mut Vec<(Item, Condition)>,
    mut prepare: impl FnMut(&mut T),
    wrap: impl Fn(T) -> Item,
) {
    for key in keys {
        if let Some(slot) = map.get_mut(key) {
            prepare(&mut slot.record);
            slot.record.set_version(next(slot.stored));
            puts.push((wrap(slot.record.clone()), condition(slot.stored)));
        }
    }
}

/// After a commit, the versions written are the stored ones.
pub(super) fn settle<K: Eq + Hash, T: Versioned>(map: &mut HashMap<K, Slot<T>>, keys: &[K]) {
    for key in keys {
        if let Some(slot) = map.get_mut(key) {
            slot.stored = Some(slot.record.version());
        }
    }
}

fn next(stored: Option<u64>) -> u64 {
    stored.map_or(1, |v| v + 1)
}

fn condition(stored: Option<u64>) -> Condition {
    stored.map_or(Condition::Absent, Condition::Version)
}

/// A group item keeps its requests within this many bytes (as DynamoDB counts them), the
/// newest first. With the group's latest request (at most 64 KiB) the item stays far under
/// DynamoDB's 400 KB whatever the request ids are, and each request of a busy group costs a
/// bounded write. The automation patterns need a handful of requests; a sweep every 15
/// minutes counts every new one of a group that makes fewer than the bound holds (some 1,300
/// with short ids) in that time.
pub const MAX_GROUP_ENTRY_BYTES: usize = 64 * 1024;

/// Keep the entries of the last `keep` before the newest one, and one more before that (the
/// "previous request" of the oldest kept one, for chained renewals); then the newest within
/// [`MAX_GROUP_ENTRY_BYTES`].
fn prune_entries(entries: &mut Vec<GroupEntry>, keep: Duration) {
    let Some(newest) = entries.last().map(|e| e.created_at) else {
        return;
    };
    let first_kept = entries.partition_point(|e| e.created_at < newest - keep);
    entries.drain(..first_kept.saturating_sub(1));
    let mut bytes = 0;
    let fitting = entries
        .iter()
        .rev()
        .take_while(|e| {
            bytes += entry_bytes(e);
            bytes <= MAX_GROUP_ENTRY_BYTES
        })
        .count();
    entries.drain(..entries.len() - fitting);
}

/// An entry's size as DynamoDB counts an element of a list of maps: attribute names and
/// values in UTF-8 (a time as RFC 3339, at most 35 characters), and a few bytes of overhead.
fn entry_bytes(entry: &GroupEntry) -> usize {
    const TIME: usize = 35;
    let ended = entry.ended_at.map_or(0, |_| "ended_at".len() + TIME);
    4 + "request_id".len() + entry.request_id.as_str().len() + "created_at".len() + TIME + ended
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RequestId;

    fn entries(n: usize, id_chars: usize) -> Vec<GroupEntry> {
        let start = DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
            .unwrap()
            .to_utc();
        (0..n)
            .map(|i| GroupEntry {
                request_id: RequestId::try_from(format!("{i:0>id_chars$}")).unwrap(),
                created_at: start + Duration::seconds(i as i64),
                ended_at: Some(start),
            })
            .collect()
    }

    #[test]
    fn a_busy_group_keeps_its_newest_requests_within_the_byte_bound() {
        // Arrange: 5,000 requests a second apart, ids of 128 characters.
        let mut kept = entries(5_000, 128);
        // Act
        prune_entries(&mut kept, Duration::days(3));
        // Assert
        let bytes: usize = kept.iter().map(entry_bytes).sum();
        assert!(bytes <= MAX_GROUP_ENTRY_BYTES, "{bytes}");
        assert!(
            bytes + entry_bytes(&kept[0]) > MAX_GROUP_ENTRY_BYTES,
            "as many as fit"
        );
        assert_eq!(
            kept.last().unwrap().request_id.as_str(),
            format!("{:0>128}", 4_999)
        );
    }

    #[test]
    fn a_quiet_group_keeps_every_request_of_its_window() {
        // Arrange
        let mut kept = entries(100, 8);
        // Act
        prune_entries(&mut kept, Duration::days(3));
        // Assert
        assert_eq!(kept.len(), 100);
    }
}
