//! A batch's view of the table: the items its events need, loaded once, on which the engine
//! runs through the ordinary store traits. Each event's changes become one write set
//! (conditional on the versions read) and are either committed (versions advance) or rolled
//! back (the snapshot returns to its state before the event).

use super::keys;
use super::records::{
    AnomalyRecord, BucketRecord, EventMarkerRecord, GroupRecord, RequestRecord, RequesterRecord,
};
use crate::anomaly::Anomaly;
use crate::domain::{AccessEvent, AccessRequest, AnomalyId, EventId, RequestId, TenantId, UserId};
use crate::rules::access_automation::{self, GroupEntry};
use crate::rules::approved_after_rejection::Rejection;
use crate::rules::inactive_user::LastActivity;
use crate::store::*;
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet};
use std::hash::Hash;

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

    /// The event's writes reached the table: its versions are now the stored ones.
    pub fn commit(&mut self) {
        let changes = std::mem::take(&mut self.changes);
        settle(&mut self.requests, &changes.requests);
        settle(&mut self.requesters, &changes.requesters);
        settle(&mut self.groups, &changes.groups);
        settle(&mut self.anomalies, &changes.anomalies);
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

/// Records written with optimistic locking.
trait Versioned {
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
fn settle<K: Eq + Hash, T: Versioned>(map: &mut HashMap<K, Slot<T>>, keys: &[K]) {
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

/// Keep the entries of the last `keep` before the newest one, and one more before that (the
/// "previous request" of the oldest kept one, for chained renewals).
fn prune_entries(entries: &mut Vec<GroupEntry>, keep: Duration) {
    let Some(newest) = entries.last().map(|e| e.created_at) else {
        return;
    };
    let first_kept = entries.partition_point(|e| e.created_at < newest - keep);
    entries.drain(..first_kept.saturating_sub(1));
}

impl EventLog for Snapshot {
    fn has_seen(&self, tenant: &TenantId, event: &EventId) -> bool {
        self.markers.contains_key(&(tenant.clone(), event.clone()))
    }

    fn mark_seen(&mut self, tenant: &TenantId, event: &EventId) -> bool {
        let key = (tenant.clone(), event.clone());
        if self.markers.contains_key(&key) {
            return false;
        }
        self.markers.insert(
            key.clone(),
            EventMarkerRecord::new(tenant, event, Vec::new(), 0),
        );
        self.undo.push(Undo::Marker(key.clone()));
        self.changes.marker = Some(key);
        true
    }
}

impl RequestLog for Snapshot {
    fn request_group(&self, tenant: &TenantId, request: &RequestId) -> Option<&GroupKey> {
        self.requests
            .get(&(tenant.clone(), request.clone()))
            .map(|slot| &slot.record.group)
    }

    fn record_request(
        &mut self,
        key: &GroupKey,
        entry: GroupEntry,
        request: AccessRequest,
        high_risk: bool,
    ) {
        let request_key = (key.tenant_id.clone(), entry.request_id.clone());
        if self.requests.contains_key(&request_key) {
            return;
        }
        remember(
            &self.requests,
            &request_key,
            &mut self.changes.requests,
            &mut self.undo,
            Undo::Request,
        );
        let expires = (entry.created_at + Duration::days(self.retention.history_days)).timestamp();
        let record = RequestRecord {
            pk: keys::request_pk(&key.tenant_id, &entry.request_id),
            sk: keys::SK_REQUEST.into(),
            version: 0,
            request_id: entry.request_id.clone(),
            group: key.clone(),
            created_at: entry.created_at,
            expires_at: expires,
        };
        self.requests.insert(
            request_key,
            Slot {
                record,
                stored: None,
            },
        );
        let bucket = keys::bucket_start(entry.created_at);
        let group_pk = keys::group_pk(key);
        let bucket_expires = bucket + self.retention.group_keep().num_seconds();
        self.changes.buckets.push(BucketRecord {
            pk: keys::bucket_pk(bucket, &group_pk),
            sk: group_pk,
            expires_at: bucket_expires,
        });
        self.group_mut(key).state.insert(entry, request, high_risk);
    }

    fn record_access_end(&mut self, tenant: &TenantId, request: &RequestId, at: DateTime<Utc>) {
        let Some(key) = self.request_group(tenant, request).cloned() else {
            return;
        };
        let ended = self.groups.get(&key).and_then(|slot| {
            let entry = slot
                .record
                .state
                .entries
                .iter()
                .find(|e| &e.request_id == request)?;
            Some(entry.ended_at.is_some())
        });
        if ended == Some(false) {
            let group = &mut self.group_mut(&key).state;
            if let Some(entry) = group.entries.iter_mut().find(|e| &e.request_id == request) {
                entry.ended_at = Some(at);
            }
        }
    }
}

impl ActivityLog for Snapshot {
    fn last_activity(&self, tenant: &TenantId, requester: &UserId) -> Option<&LastActivity> {
        self.requesters
            .get(&(tenant.clone(), requester.clone()))?
            .record
            .last_activity
            .as_ref()
    }

    fn record_activity(&mut self, tenant: &TenantId, requester: &UserId, activity: LastActivity) {
        let newer = self
            .last_activity(tenant, requester)
            .is_none_or(|current| activity.created_at > current.created_at);
        if newer {
            self.requester_mut(tenant, requester).last_activity = Some(activity);
        }
    }
}

impl RejectionLog for Snapshot {
    fn open_rejections(&self, tenant: &TenantId, requester: &UserId) -> &[Rejection] {
        self.requesters
            .get(&(tenant.clone(), requester.clone()))
            .map_or(&[], |slot| slot.record.rejections.as_slice())
    }

    fn add_rejection(&mut self, tenant: &TenantId, requester: &UserId, rejection: Rejection) {
        let known = self
            .open_rejections(tenant, requester)
            .iter()
            .any(|r| r.request_id == rejection.request_id);
        if !known {
            self.requester_mut(tenant, requester)
                .rejections
                .push(rejection);
        }
    }

    fn consume_rejections(
        &mut self,
        tenant: &TenantId,
        requester: &UserId,
        requests: &[RequestId],
    ) {
        let record = self.requester_mut(tenant, requester);
        record
            .rejections
            .retain(|r| !requests.contains(&r.request_id));
    }
}

impl AutomationIndex for Snapshot {
    type GroupRef = GroupKey;

    fn groups_in_window(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<GroupKey> {
        self.groups
            .iter()
            .filter(|(_, slot)| {
                let entries = &slot.record.state.entries;
                entries
                    .iter()
                    .any(|e| e.created_at > from && e.created_at <= to)
            })
            .map(|(key, _)| key.clone())
            .collect()
    }

    fn take_touched_groups(&mut self) -> Vec<GroupKey> {
        self.changes.groups.clone()
    }

    fn group(&self, group: &GroupKey) -> Option<(&GroupKey, &GroupState)> {
        self.groups
            .get(group)
            .map(|slot| (&slot.record.key, &slot.record.state))
    }

    fn set_group_anomaly(&mut self, group: &GroupKey, anomaly: AnomalyId) {
        self.group_mut(group).state.automation_anomaly = Some(anomaly);
    }
}

impl AnomalyStore for Snapshot {
    fn anomaly(&self, id: &AnomalyId) -> Option<&Anomaly> {
        self.anomalies.get(id).map(|slot| &slot.record.anomaly)
    }

    fn put_anomaly(&mut self, anomaly: Anomaly) {
        let id = anomaly.id.clone();
        remember(
            &self.anomalies,
            &id,
            &mut self.changes.anomalies,
            &mut self.undo,
            |key, before| Undo::Anomaly(key, Box::new(before)),
        );
        let expires =
            (anomaly.detected_at + Duration::days(self.retention.anomaly_days)).timestamp();
        let slot = self.anomalies.entry(id).or_insert_with(|| Slot {
            record: AnomalyRecord::new(anomaly.clone(), 0, expires),
            stored: None,
        });
        slot.record.set_anomaly(anomaly);
        slot.record.published = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::contract::parse_event;
    use crate::engine::Detector;
    use crate::generator::{generate_to_string, GeneratorOptions};
    use crate::replay::replay_reader;
    use std::collections::BTreeMap;

    /// A stand-in for the table that enforces the write conditions.
    #[derive(Default)]
    struct FakeTable {
        items: HashMap<String, Item>,
    }

    fn pk_of(item: &Item) -> String {
        match item {
            Item::Marker(r) => r.pk.clone(),
            Item::Request(r) => r.pk.clone(),
            Item::Requester(r) => r.pk.clone(),
            Item::Group(r) => r.pk.clone(),
            Item::Bucket(r) => format!("{}/{}", r.pk, r.sk),
            Item::Anomaly(r) => r.pk.clone(),
        }
    }

    fn version_of(item: &Item) -> Option<u64> {
        match item {
            Item::Request(r) => Some(r.version),
            Item::Requester(r) => Some(r.version),
            Item::Group(r) => Some(r.version),
            Item::Anomaly(r) => Some(r.version),
            Item::Marker(_) | Item::Bucket(_) => None,
        }
    }

    impl FakeTable {
        fn snapshot(&self, events: &[AccessEvent]) -> Snapshot {
            let mut snapshot = Snapshot::new(Retention::default());
            for event in events {
                for key in event_keys(event)
                    .into_iter()
                    .chain(candidate_anomaly_keys(event))
                {
                    if let Some(item) = self.items.get(&key.pk) {
                        snapshot.load(item.clone());
                    }
                }
            }
            snapshot
        }

        /// All or nothing, like TransactWriteItems.
        fn apply(&mut self, writes: &WriteSet) -> bool {
            let ok = writes.puts.iter().all(|(item, condition)| {
                let current = self.items.get(&pk_of(item));
                match condition {
                    Condition::Absent => current.is_none(),
                    Condition::Version(v) => current.and_then(version_of) == Some(*v),
                    Condition::None => true,
                }
            });
            if ok {
                for (item, _) in &writes.puts {
                    self.items.insert(pk_of(item), item.clone());
                }
            }
            ok
        }
    }

    fn ingest_batches(table: &mut FakeTable, events: &[AccessEvent]) -> BTreeMap<String, Anomaly> {
        let detector = Detector::new(Config::default()).unwrap();
        for batch in events.chunks(10) {
            let mut snapshot = table.snapshot(batch);
            for event in batch {
                let outcome = detector.process(&mut snapshot, event.clone(), event.occurred_at);
                let produced = outcome
                    .changes
                    .iter()
                    .map(|c| c.anomaly.id.clone())
                    .collect();
                let writes = snapshot.take_writes(event, produced);
                if table.apply(&writes) {
                    snapshot.commit();
                } else {
                    snapshot.rollback(event);
                }
            }
        }
        table
            .items
            .values()
            .filter_map(|item| match item {
                Item::Anomaly(a) => Some((a.anomaly.id.to_string(), a.anomaly.clone())),
                _ => None,
            })
            .collect()
    }

    fn stream() -> (String, Vec<AccessEvent>) {
        let options = GeneratorOptions {
            seed: 11,
            events: 4_000,
            people: 15,
            bots: 2,
            days: 150,
            ..GeneratorOptions::default()
        };
        let text = generate_to_string(&options);
        let events = text
            .lines()
            .filter_map(|l| parse_event(l.as_bytes()).ok())
            .collect();
        (text, events)
    }

    #[test]
    fn batches_through_snapshots_give_the_per_event_anomalies_of_replay() {
        // Arrange
        let (text, events) = stream();
        let detector = Detector::new(Config::default()).unwrap();
        let (replayed, _) = replay_reader(&detector, text.as_bytes(), |_| {}).unwrap();
        let expected: BTreeMap<String, (String, String)> = replayed
            .iter()
            .filter(|a| a.kind != crate::anomaly::AnomalyType::AccessAutomation)
            .map(|a| {
                (
                    a.id.to_string(),
                    (a.kind.to_string(), a.request_id.to_string()),
                )
            })
            .collect();
        // Act
        let stored = ingest_batches(&mut FakeTable::default(), &events);
        // Assert
        let got: BTreeMap<String, (String, String)> = stored
            .values()
            .map(|a| {
                (
                    a.id.to_string(),
                    (a.kind.to_string(), a.request_id.to_string()),
                )
            })
            .collect();
        assert!(expected.len() > 20, "the stream should raise anomalies");
        assert_eq!(got, expected);
    }

    #[test]
    fn delivering_every_batch_twice_stores_nothing_new() {
        let (_, events) = stream();
        let mut table = FakeTable::default();
        let first = ingest_batches(&mut table, &events);
        let items = table.items.len();
        let second = ingest_batches(&mut table, &events);
        assert_eq!(first, second);
        assert_eq!(table.items.len(), items);
    }

    #[test]
    fn a_write_based_on_a_stale_version_is_rejected_and_rolled_back() {
        // Arrange: two "Lambdas" load the same requester, both process a new request.
        let (_, events) = stream();
        let firsts: Vec<&AccessEvent> = events
            .iter()
            .filter(|e| e.request.requester.id == events[0].request.requester.id)
            .collect();
        let (a, b) = (
            firsts[0].clone(),
            firsts
                .iter()
                .find(|e| e.request.id != firsts[0].request.id)
                .copied()
                .unwrap()
                .clone(),
        );
        let mut table = FakeTable::default();
        let detector = Detector::new(Config::default()).unwrap();
        let mut one = table.snapshot(std::slice::from_ref(&a));
        let mut two = table.snapshot(std::slice::from_ref(&b));
        detector.process(&mut one, a.clone(), a.occurred_at);
        detector.process(&mut two, b.clone(), b.occurred_at);
        let writes_one = one.take_writes(&a, vec![]);
        let writes_two = two.take_writes(&b, vec![]);
        // Act
        let applied_one = table.apply(&writes_one);
        let applied_two = table.apply(&writes_two);
        two.rollback(&b);
        // Assert: the second write saw a stale requester and changed nothing.
        assert!(applied_one);
        assert!(!applied_two);
        assert!(two.is_tainted(&b));
        assert!(!two.has_seen(&b.tenant_id, &b.event_id));
        let requester_pk = keys::requester_pk(&b.tenant_id, &b.request.requester.id);
        let Some(Item::Requester(stored)) = table.items.get(&requester_pk) else {
            panic!()
        };
        assert_eq!(stored.version, 1);
        assert_eq!(
            stored.last_activity.as_ref().unwrap().request_id,
            a.request.id
        );
    }
}
