//! Storage behind narrow traits. The engine and rules see only these; the in-memory store
//! backs `anomalies replay`/`serve`, and the DynamoDB store (ingest and sweep Lambdas)
//! implements the same traits over a per-batch snapshot. Every method is a keyed lookup or
//! a bounded range: nothing here needs a scan.

pub mod dynamo;
pub mod error;
mod memory;

pub use error::StoreError;
pub use memory::MemoryStore;

use crate::anomaly::Anomaly;
use crate::domain::{AccessRequest, AnomalyId, EventId, RequestId, TenantId, UserId};
use crate::rules::access_automation::GroupEntry;
use crate::rules::approved_after_rejection::Rejection;
use crate::rules::inactive_user::LastActivity;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One automation group: a requester and a scope within a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupKey {
    pub tenant_id: TenantId,
    pub requester_id: UserId,
    /// See [`crate::rules::access_automation::scope_key`].
    pub scope: String,
}

/// Processed event ids (idempotency).
pub trait EventLog {
    /// True if the event was seen before.
    fn has_seen(&self, tenant: &TenantId, event: &EventId) -> bool;
    /// Record the event as seen; true if it was new.
    fn mark_seen(&mut self, tenant: &TenantId, event: &EventId) -> bool;
}

/// What is known about each request after its first sighting.
pub trait RequestLog {
    /// The automation group of a request already seen, or `None` on first sighting.
    fn request_group(&self, tenant: &TenantId, request: &RequestId) -> Option<&GroupKey>;
    /// A request already seen, as it was first described (its status and decision are those
    /// of that first event): what completes a state change that names only the request.
    /// `None` if never seen.
    fn known_request(&self, tenant: &TenantId, request: &RequestId) -> Option<AccessRequest>;
    /// Record a request's first sighting, in its group. `request` is kept as the group's
    /// latest request when it is the newest (it describes the group in automation anomalies).
    fn record_request(
        &mut self,
        key: &GroupKey,
        entry: GroupEntry,
        request: AccessRequest,
        high_risk: bool,
    );
    /// Record when a request's access ended (the first end event wins).
    fn record_access_end(&mut self, tenant: &TenantId, request: &RequestId, at: DateTime<Utc>);
}

/// Per-requester latest request.
pub trait ActivityLog {
    fn last_activity(&self, tenant: &TenantId, requester: &UserId) -> Option<&LastActivity>;
    /// Keep `activity` if it is later than what is stored.
    fn record_activity(&mut self, tenant: &TenantId, requester: &UserId, activity: LastActivity);
}

/// Manual rejections not yet reversed, by requester.
pub trait RejectionLog {
    fn open_rejections(&self, tenant: &TenantId, requester: &UserId) -> &[Rejection];
    /// Add a rejection (once per rejected request).
    fn add_rejection(&mut self, tenant: &TenantId, requester: &UserId, rejection: Rejection);
    fn consume_rejections(&mut self, tenant: &TenantId, requester: &UserId, requests: &[RequestId]);
}

/// A group's requests, as the automation sweep reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupState {
    /// Sorted by `created_at`, then request id.
    pub entries: Vec<GroupEntry>,
    /// Whether the group's latest request was high-risk (raises automation severity).
    pub high_risk: bool,
    /// The group's latest request (by `created_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_request: Option<Arc<AccessRequest>>,
    /// The group's most recent automation anomaly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automation_anomaly: Option<AnomalyId>,
}

impl GroupState {
    /// Add a request in `created_at` order; the newest request describes the group.
    pub fn insert(&mut self, entry: GroupEntry, request: Arc<AccessRequest>, high_risk: bool) {
        let position = self.entries.partition_point(|e| {
            (e.created_at, &e.request_id) <= (entry.created_at, &entry.request_id)
        });
        if position == self.entries.len() {
            self.high_risk = high_risk;
            self.latest_request = Some(request);
        }
        self.entries.insert(position, entry);
    }
}

/// The automation index: groups by the time of their requests.
pub trait AutomationIndex {
    /// How this store names a group cheaply (an index in memory, the key in DynamoDB).
    type GroupRef: Clone + Ord;
    /// Groups with at least one request created in `(from, to]`, in any order, maybe
    /// repeated (the index is kept in 15-minute buckets, so this may include groups whose
    /// requests are a little earlier; the caller filters by time).
    fn groups_in_window(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Self::GroupRef>;
    /// Groups whose requests changed (new request, access ended) since the last call. Lets
    /// a sweep that follows another skip groups whose window is unchanged.
    fn take_touched_groups(&mut self) -> Vec<Self::GroupRef>;
    fn group(&self, group: &Self::GroupRef) -> Option<(&GroupKey, &GroupState)>;
    fn set_group_anomaly(&mut self, group: &Self::GroupRef, anomaly: AnomalyId);
}

/// Anomalies by id.
pub trait AnomalyStore {
    fn anomaly(&self, id: &AnomalyId) -> Option<&Anomaly>;
    /// Insert or replace.
    fn put_anomaly(&mut self, anomaly: Anomaly);
}

/// Everything the engine needs.
pub trait DetectionStore:
    EventLog + RequestLog + ActivityLog + RejectionLog + AutomationIndex + AnomalyStore
{
}

impl<T> DetectionStore for T where
    T: EventLog + RequestLog + ActivityLog + RejectionLog + AutomationIndex + AnomalyStore
{
}
