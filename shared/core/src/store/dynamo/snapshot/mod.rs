//! A batch's view of the table: the items its events need, loaded once, on which the engine
//! runs through the ordinary store traits. Each event's changes become one write set
//! (conditional on the versions read) and are either committed (versions advance) or rolled
//! back (the snapshot returns to its state before the event).

use super::keys;
use super::records::{
    AnomalyRecord, BucketRecord, EventMarkerRecord, GroupRecord, RequestRecord, RequesterRecord,
};
use crate::anomaly::Anomaly;
use crate::domain::{AccessEvent, AnomalyId, EventId, RequestId, TenantId, UserId};
use crate::rules::access_automation;
use crate::store::*;
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet};
use std::hash::Hash;

mod stores;
#[cfg(test)]
mod tests;
mod writes;

/// How long items live (TTL), from configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    pub event_days: i64,
    pub history_days: i64,
    pub anomaly_days: i64,
    /// The automation window; groups keep their requests for the window plus two days.
    pub window_hours: i64,
    /// Manual rejections are kept this long (the approved-after-rejection lookback + 1 day).
    pub rejection_days: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            event_days: 30,
            history_days: 400,
            anomaly_days: 400,
            window_hours: 24,
            rejection_days: 91,
        }
    }
}

impl Retention {
    fn group_keep(&self) -> Duration {
        Duration::hours(self.window_hours) + Duration::days(2)
    }
}

/// What a write expects of the item it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// The item must not exist.
    Absent,
    /// The item's `version` must be this.
    Version(u64),
    /// Unconditional (idempotent index entries).
    None,
}

/// One item to put.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Marker(EventMarkerRecord),
    Request(RequestRecord),
    Requester(RequesterRecord),
    Group(GroupRecord),
    Bucket(BucketRecord),
    Anomaly(Box<AnomalyRecord>),
}

impl Item {
    /// The item's table key (partition key, sort key).
    pub fn key(&self) -> (&str, &str) {
        match self {
            Item::Marker(r) => (&r.pk, &r.sk),
            Item::Request(r) => (&r.pk, &r.sk),
            Item::Requester(r) => (&r.pk, &r.sk),
            Item::Group(r) => (&r.pk, &r.sk),
            Item::Bucket(r) => (&r.pk, &r.sk),
            Item::Anomaly(r) => (&r.pk, &r.sk),
        }
    }

    /// The version a conditional write checks (markers and index entries have none).
    pub fn version(&self) -> Option<u64> {
        match self {
            Item::Request(r) => Some(r.version),
            Item::Requester(r) => Some(r.version),
            Item::Group(r) => Some(r.version),
            Item::Anomaly(r) => Some(r.version),
            Item::Marker(_) | Item::Bucket(_) => None,
        }
    }
}

/// Everything one event changes, to apply atomically.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteSet {
    pub puts: Vec<(Item, Condition)>,
}

/// A loaded item and the version the table holds (`None`: not in the table).
#[derive(Debug, Clone)]
struct Slot<T> {
    record: T,
    stored: Option<u64>,
}

#[derive(Debug, Default)]
struct Changes {
    marker: Option<(TenantId, EventId)>,
    requests: Vec<(TenantId, RequestId)>,
    requesters: Vec<(TenantId, UserId)>,
    groups: Vec<GroupKey>,
    anomalies: Vec<AnomalyId>,
    buckets: Vec<BucketRecord>,
}

enum Undo {
    Marker((TenantId, EventId)),
    Request((TenantId, RequestId), Option<Slot<RequestRecord>>),
    Requester((TenantId, UserId), Option<Slot<RequesterRecord>>),
    Group(GroupKey, Option<Slot<GroupRecord>>),
    Anomaly(AnomalyId, Box<Option<Slot<AnomalyRecord>>>),
}

/// The snapshot.
#[derive(Default)]
pub struct Snapshot {
    retention: Retention,
    markers: HashMap<(TenantId, EventId), EventMarkerRecord>,
    requests: HashMap<(TenantId, RequestId), Slot<RequestRecord>>,
    requesters: HashMap<(TenantId, UserId), Slot<RequesterRecord>>,
    groups: HashMap<GroupKey, Slot<GroupRecord>>,
    anomalies: HashMap<AnomalyId, Slot<AnomalyRecord>>,
    changes: Changes,
    undo: Vec<Undo>,
    tainted: HashSet<String>,
}

/// The partition keys of the per-request anomalies an event might raise (to check whether
/// they exist already).
pub fn candidate_anomaly_keys(event: &AccessEvent) -> Vec<keys::ItemKey> {
    use crate::anomaly::AnomalyType::*;
    let tenant = &event.tenant_id;
    [HighRiskAccess, InactiveUser, ApprovedAfterRejection]
        .into_iter()
        .map(|kind| Anomaly::derive_id(tenant, kind, &[event.request.id.as_str()]))
        .map(|id| keys::ItemKey::new(keys::anomaly_pk(tenant, &id), keys::SK_ANOMALY))
        .collect()
}

/// The partition keys of every item an event may read or write.
pub fn event_keys(event: &AccessEvent) -> Vec<keys::ItemKey> {
    use keys::ItemKey;
    let tenant = &event.tenant_id;
    let request = &event.request;
    vec![
        ItemKey::new(keys::event_pk(tenant, &event.event_id), keys::SK_EVENT),
        ItemKey::new(keys::request_pk(tenant, &request.id), keys::SK_REQUEST),
        ItemKey::new(
            keys::requester_pk(tenant, &request.requester.id),
            keys::SK_REQUESTER,
        ),
        ItemKey::new(keys::group_pk(&group_key(event)), keys::SK_GROUP),
    ]
}

/// The automation group of an event's request.
pub fn group_key(event: &AccessEvent) -> GroupKey {
    GroupKey {
        tenant_id: event.tenant_id.clone(),
        requester_id: event.request.requester.id.clone(),
        scope: access_automation::scope_key(&event.request),
    }
}

fn remember<K: Clone + Eq + Hash, T: Clone>(
    map: &HashMap<K, Slot<T>>,
    key: &K,
    changed: &mut Vec<K>,
    undo: &mut Vec<Undo>,
    wrap: impl FnOnce(K, Option<Slot<T>>) -> Undo,
) {
    if !changed.contains(key) {
        changed.push(key.clone());
        undo.push(wrap(key.clone(), map.get(key).cloned()));
    }
}

impl Snapshot {
    pub fn new(retention: Retention) -> Self {
        Self {
            retention,
            ..Self::default()
        }
    }

    /// Add an item read from the table.
    pub fn load(&mut self, item: Item) {
        match item {
            Item::Marker(m) => {
                self.markers
                    .insert((m.tenant_id.clone(), m.event_id.clone()), m);
            }
            Item::Request(r) => {
                let key = (r.group.tenant_id.clone(), r.request_id.clone());
                let stored = Some(r.version);
                self.requests.insert(key, Slot { record: r, stored });
            }
            Item::Requester(u) => {
                let key = (u.tenant_id.clone(), u.requester_id.clone());
                let stored = Some(u.version);
                self.requesters.insert(key, Slot { record: u, stored });
            }
            Item::Group(g) => {
                let stored = Some(g.version);
                self.groups
                    .insert(g.key.clone(), Slot { record: g, stored });
            }
            Item::Anomaly(a) => {
                let stored = Some(a.version);
                self.anomalies
                    .insert(a.anomaly.id.clone(), Slot { record: *a, stored });
            }
            Item::Bucket(_) => {}
        }
    }

    /// The marker of an event processed before (its anomaly ids), if any.
    pub fn marker(&self, tenant: &TenantId, event: &EventId) -> Option<&EventMarkerRecord> {
        self.markers.get(&(tenant.clone(), event.clone()))
    }

    /// A stored anomaly with its publication state.
    pub fn anomaly_record(&self, id: &AnomalyId) -> Option<&AnomalyRecord> {
        self.anomalies.get(id).map(|slot| &slot.record)
    }

    /// True when an earlier event of this batch failed on one of this event's items: its
    /// state is unknown, so the event must be retried later.
    pub fn is_tainted(&self, event: &AccessEvent) -> bool {
        event_keys(event)
            .iter()
            .any(|k| self.tainted.contains(&k.pk))
    }

    /// Index every group changed since the last commit in the time bucket of `now` too (not
    /// only in the buckets of its requests' creation times), so the sweep that follows sees a
    /// group whose requests changed late: a request that arrived late, or an access that
    /// ended.
    pub fn touch_buckets(&mut self, now: DateTime<Utc>) {
        let bucket = keys::bucket_start(now);
        let expires = bucket + self.retention.group_keep().num_seconds();
        for key in &self.changes.groups {
            let group_pk = keys::group_pk(key);
            let pk = keys::bucket_pk(bucket, &group_pk);
            let known = self
                .changes
                .buckets
                .iter()
                .any(|b| b.pk == pk && b.sk == group_pk);
            if !known {
                self.changes.buckets.push(BucketRecord {
                    pk,
                    sk: group_pk,
                    expires_at: expires,
                });
            }
        }
    }

    /// The event's writes reached the table: its versions are now the stored ones.
    pub fn commit(&mut self) {
        let changes = std::mem::take(&mut self.changes);
        writes::settle(&mut self.requests, &changes.requests);
        writes::settle(&mut self.requesters, &changes.requesters);
        writes::settle(&mut self.groups, &changes.groups);
        writes::settle(&mut self.anomalies, &changes.anomalies);
        self.undo.clear();
    }

    /// The event's writes did not reach the table: undo its changes, and taint its items so
    /// later events of the batch that touch them are retried rather than built on guesses.
    pub fn rollback(&mut self, event: &AccessEvent) {
        for undo in std::mem::take(&mut self.undo).into_iter().rev() {
            match undo {
                Undo::Marker(key) => {
                    self.markers.remove(&key);
                }
                Undo::Request(key, before) => restore(&mut self.requests, key, before),
                Undo::Requester(key, before) => restore(&mut self.requesters, key, before),
                Undo::Group(key, before) => restore(&mut self.groups, key, before),
                Undo::Anomaly(key, before) => restore(&mut self.anomalies, key, *before),
            }
        }
        self.changes = Changes::default();
        self.tainted
            .extend(event_keys(event).into_iter().map(|k| k.pk));
    }

    /// Mark anomalies published in the snapshot (after EventBridge accepted them).
    pub fn set_published(&mut self, id: &AnomalyId) {
        if let Some(slot) = self.anomalies.get_mut(id) {
            slot.record.published = true;
        }
    }

    fn requester_mut(&mut self, tenant: &TenantId, requester: &UserId) -> &mut RequesterRecord {
        let key = (tenant.clone(), requester.clone());
        remember(
            &self.requesters,
            &key,
            &mut self.changes.requesters,
            &mut self.undo,
            Undo::Requester,
        );
        &mut self
            .requesters
            .entry(key)
            .or_insert_with(|| Slot {
                record: RequesterRecord::empty(tenant, requester),
                stored: None,
            })
            .record
    }

    fn group_mut(&mut self, key: &GroupKey) -> &mut GroupRecord {
        remember(
            &self.groups,
            key,
            &mut self.changes.groups,
            &mut self.undo,
            Undo::Group,
        );
        &mut self
            .groups
            .entry(key.clone())
            .or_insert_with(|| Slot {
                record: GroupRecord::empty(key),
                stored: None,
            })
            .record
    }
}

fn restore<K: Eq + Hash, T>(map: &mut HashMap<K, Slot<T>>, key: K, before: Option<Slot<T>>) {
    match before {
        Some(slot) => {
            map.insert(key, slot);
        }
        None => {
            map.remove(&key);
        }
    }
}
