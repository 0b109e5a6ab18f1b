//! The embedded in-memory store. State is partitioned by tenant like the DynamoDB items;
//! automation groups live in a vector indexed by number, with a time-bucket index (the same
//! 15-minute buckets the DynamoDB design uses) so a sweep reads only the groups active in
//! its window.

use super::*;
use crate::domain::{AccessRequest, AnomalyId, EventId, RequestId, TenantId, UserId};
use crate::query::index::{index_partitions, sort_key, Index};
use crate::query::{IndexReader, ReadError, ReadRequest};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;

// A fast, still DoS-resistant (randomly seeded) hasher: SipHash was a tenth of replay time.
type HashMap<K, V> = std::collections::HashMap<K, V, ahash::RandomState>;
type HashSet<K> = std::collections::HashSet<K, ahash::RandomState>;

/// Width of a time bucket of the automation index, in seconds.
const BUCKET_SECONDS: i64 = 15 * 60;

fn bucket_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(BUCKET_SECONDS)
}

type GroupIndex = usize;

/// The query indexes: (index, partition) → sort key → anomaly.
type QueryIndex = HashMap<(Index, String), BTreeMap<String, Arc<Anomaly>>>;

#[derive(Debug, Default)]
struct TenantState {
    seen_events: HashSet<EventId>,
    /// Each request seen: its group, when it was made, and the request as first described —
    /// shared with the group's previous request when they describe the same thing (only the
    /// id, time, status and decision differ), so a bot's thousand identical requests are one.
    requests: HashMap<RequestId, (GroupIndex, DateTime<Utc>, Arc<AccessRequest>)>,
    activity: HashMap<UserId, LastActivity>,
    rejections: HashMap<UserId, Vec<Rejection>>,
}

/// The in-memory store.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tenants: HashMap<TenantId, TenantState>,
    group_index: HashMap<GroupKey, GroupIndex>,
    groups: Vec<(GroupKey, GroupState)>,
    buckets: BTreeMap<i64, Vec<GroupIndex>>,
    touched: Vec<GroupIndex>,
    anomalies: HashMap<AnomalyId, Arc<Anomaly>>,
    /// The query indexes, as in DynamoDB: (index, partition) → sort key → anomaly. Kept only
    /// once enabled (`serve` enables them; replay does not pay for them).
    index: Option<QueryIndex>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every anomaly, ordered by `detected_at`, then id.
    pub fn anomalies_by_detection(&self) -> Vec<&Anomaly> {
        let mut all: Vec<&Anomaly> = self.anomalies.values().map(|a| &**a).collect();
        all.sort_by(|a, b| (a.detected_at, &a.id).cmp(&(b.detected_at, &b.id)));
        all
    }

    /// Consume the store, keeping only its anomalies, ordered like
    /// [`Self::anomalies_by_detection`].
    pub fn into_anomalies_by_detection(self) -> Vec<Anomaly> {
        let mut all: Vec<Anomaly> = self
            .anomalies
            .into_values()
            .map(|a| Arc::try_unwrap(a).unwrap_or_else(|shared| (*shared).clone()))
            .collect();
        all.sort_by(|a, b| (a.detected_at, &a.id).cmp(&(b.detected_at, &b.id)));
        all
    }

    /// Every anomaly, in no particular order.
    pub fn anomalies(&self) -> impl Iterator<Item = &Anomaly> {
        self.anomalies.values().map(|a| &**a)
    }

    /// Each requester of `tenant` with their latest request.
    pub fn activities(&self, tenant: &TenantId) -> Vec<(&UserId, &LastActivity)> {
        self.tenant(tenant)
            .map(|t| t.activity.iter().collect())
            .unwrap_or_default()
    }

    /// The latest request time of any requester (the event clock of replayed data).
    pub fn latest_activity(&self) -> Option<DateTime<Utc>> {
        self.tenants
            .values()
            .flat_map(|t| t.activity.values().map(|a| a.created_at))
            .max()
    }

    /// An anomaly of `tenant` (`None` for another tenant's id).
    pub fn tenant_anomaly(&self, tenant: &TenantId, id: &AnomalyId) -> Option<&Anomaly> {
        self.anomalies
            .get(id)
            .filter(|a| &a.tenant_id == tenant)
            .map(|a| &**a)
    }

    /// Build the query indexes over the anomalies stored so far, and keep them from now on.
    pub fn enable_query_index(&mut self) {
        if self.index.is_some() {
            return;
        }
        self.index = Some(HashMap::default());
        let all: Vec<Arc<Anomaly>> = self.anomalies.values().cloned().collect();
        for anomaly in &all {
            self.reindex(anomaly);
        }
    }

    fn unindex(&mut self, anomaly: &Anomaly) {
        let Some(index) = self.index.as_mut() else {
            return;
        };
        let key = sort_key(anomaly);
        for (kind, partition) in Index::ALL.into_iter().zip(index_partitions(anomaly)) {
            if let Some(entries) = index.get_mut(&(kind, partition)) {
                entries.remove(&key);
            }
        }
    }

    fn reindex(&mut self, anomaly: &Arc<Anomaly>) {
        let Some(index) = self.index.as_mut() else {
            return;
        };
        let key = sort_key(anomaly);
        for (kind, partition) in Index::ALL.into_iter().zip(index_partitions(anomaly)) {
            let entries = index.entry((kind, partition)).or_default();
            entries.insert(key.clone(), Arc::clone(anomaly));
        }
    }

    pub fn anomaly_count(&self) -> usize {
        self.anomalies.len()
    }

    fn tenant(&self, tenant: &TenantId) -> Option<&TenantState> {
        self.tenants.get(tenant)
    }

    fn tenant_mut(&mut self, tenant: &TenantId) -> &mut TenantState {
        if !self.tenants.contains_key(tenant) {
            self.tenants.insert(tenant.clone(), TenantState::default());
        }
        // Inserted just above when missing.
        self.tenants
            .get_mut(tenant)
            .unwrap_or_else(|| unreachable!())
    }

    fn group_of(&mut self, key: &GroupKey) -> GroupIndex {
        if let Some(&index) = self.group_index.get(key) {
            return index;
        }
        let index = self.groups.len();
        self.groups.push((key.clone(), GroupState::default()));
        self.group_index.insert(key.clone(), index);
        index
    }

    fn touch(&mut self, index: GroupIndex) {
        if self.touched.last() != Some(&index) {
            self.touched.push(index);
        }
    }
}

impl EventLog for MemoryStore {
    fn has_seen(&self, tenant: &TenantId, event: &EventId) -> bool {
        self.tenant(tenant)
            .is_some_and(|t| t.seen_events.contains(event))
    }

    fn mark_seen(&mut self, tenant: &TenantId, event: &EventId) -> bool {
        let state = self.tenant_mut(tenant);
        if state.seen_events.contains(event) {
            return false;
        }
        state.seen_events.insert(event.clone())
    }
}

impl RequestLog for MemoryStore {
    fn request_group(&self, tenant: &TenantId, request: &RequestId) -> Option<&GroupKey> {
        let (index, _, _) = self.tenant(tenant)?.requests.get(request)?;
        Some(&self.groups[*index].0)
    }

    fn known_request(&self, tenant: &TenantId, request: &RequestId) -> Option<AccessRequest> {
        let (_, created_at, described) = self.tenant(tenant)?.requests.get(request)?;
        let mut known = (**described).clone();
        known.id = request.clone();
        known.created_at = *created_at;
        Some(known)
    }

    fn record_request(
        &mut self,
        key: &GroupKey,
        entry: GroupEntry,
        request: AccessRequest,
        high_risk: bool,
    ) {
        if self
            .tenant(&key.tenant_id)
            .is_some_and(|t| t.requests.contains_key(&entry.request_id))
        {
            return;
        }
        let index = self.group_of(key);
        let request = match &self.groups[index].1.latest_request {
            Some(latest) if latest.describes_the_same_as(&request) => latest.clone(),
            _ => Arc::new(request),
        };
        let created_at = entry.created_at;
        self.tenant_mut(&key.tenant_id).requests.insert(
            entry.request_id.clone(),
            (index, created_at, request.clone()),
        );
        let bucket = self.buckets.entry(bucket_of(entry.created_at)).or_default();
        if bucket.last() != Some(&index) {
            bucket.push(index);
        }
        self.touch(index);
        self.groups[index].1.insert(entry, request, high_risk);
    }

    fn record_access_end(&mut self, tenant: &TenantId, request: &RequestId, at: DateTime<Utc>) {
        let Some(&(index, _, _)) = self.tenant(tenant).and_then(|t| t.requests.get(request)) else {
            return;
        };
        let group = &mut self.groups[index].1;
        if let Some(entry) = group
            .entries
            .iter_mut()
            .rev()
            .find(|e| &e.request_id == request)
        {
            if entry.ended_at.is_none() {
                entry.ended_at = Some(at);
                self.touch(index);
            }
        }
    }
}

impl ActivityLog for MemoryStore {
    fn last_activity(&self, tenant: &TenantId, requester: &UserId) -> Option<&LastActivity> {
        self.tenant(tenant)?.activity.get(requester)
    }

    fn record_activity(&mut self, tenant: &TenantId, requester: &UserId, activity: LastActivity) {
        let state = self.tenant_mut(tenant);
        match state.activity.get_mut(requester) {
            Some(current) if activity.created_at > current.created_at => *current = activity,
            Some(_) => {}
            None => {
                state.activity.insert(requester.clone(), activity);
            }
        }
    }
}

impl RejectionLog for MemoryStore {
    fn open_rejections(&self, tenant: &TenantId, requester: &UserId) -> &[Rejection] {
        self.tenant(tenant)
            .and_then(|t| t.rejections.get(requester))
            .map_or(&[], Vec::as_slice)
    }

    fn add_rejection(&mut self, tenant: &TenantId, requester: &UserId, rejection: Rejection) {
        let state = self.tenant_mut(tenant);
        let list = match state.rejections.get_mut(requester) {
            Some(list) => list,
            None => state.rejections.entry(requester.clone()).or_default(),
        };
        crate::rules::approved_after_rejection::record(list, rejection);
    }

    fn consume_rejections(
        &mut self,
        tenant: &TenantId,
        requester: &UserId,
        requests: &[RequestId],
    ) {
        if let Some(list) = self
            .tenants
            .get_mut(tenant)
            .and_then(|t| t.rejections.get_mut(requester))
        {
            list.retain(|r| !requests.contains(&r.request_id));
        }
    }
}

impl AutomationIndex for MemoryStore {
    type GroupRef = GroupIndex;

    fn groups_in_window(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<GroupIndex> {
        self.buckets
            .range(bucket_of(from)..=bucket_of(to))
            .flat_map(|(_, groups)| groups.iter().copied())
            .collect()
    }

    fn take_touched_groups(&mut self) -> Vec<GroupIndex> {
        std::mem::take(&mut self.touched)
    }

    fn group(&self, group: &GroupIndex) -> Option<(&GroupKey, &GroupState)> {
        self.groups.get(*group).map(|(key, state)| (key, state))
    }

    fn set_group_anomaly(&mut self, group: &GroupIndex, anomaly: AnomalyId) {
        if let Some((_, state)) = self.groups.get_mut(*group) {
            state.automation_anomaly = Some(anomaly);
        }
    }
}

impl AnomalyStore for MemoryStore {
    fn anomaly(&self, id: &AnomalyId) -> Option<&Anomaly> {
        self.anomalies.get(id).map(|a| &**a)
    }

    fn put_anomaly(&mut self, anomaly: Anomaly) {
        let anomaly = Arc::new(anomaly);
        if let Some(old) = self
            .anomalies
            .insert(anomaly.id.clone(), Arc::clone(&anomaly))
        {
            self.unindex(&old);
        }
        self.reindex(&anomaly);
    }
}

#[async_trait::async_trait]
impl IndexReader for MemoryStore {
    async fn read(&self, request: ReadRequest<'_>) -> Result<Vec<Arc<Anomaly>>, ReadError> {
        let Some(index) = self.index.as_ref() else {
            return Err(ReadError {
                index: request.index.name(),
                source: crate::store::StoreError::failed(
                    "read",
                    "the in-memory query index is not enabled",
                ),
            });
        };
        let key = (request.index, request.partition.to_owned());
        let Some(entries) = index.get(&key) else {
            return Ok(Vec::new());
        };
        if request.lower > request.upper {
            return Ok(Vec::new());
        }
        let range = entries.range::<str, _>((
            std::ops::Bound::Included(request.lower),
            std::ops::Bound::Included(request.upper),
        ));
        Ok(range
            .rev()
            .take(request.limit)
            .map(|(_, a)| Arc::clone(a))
            .collect())
    }
}
