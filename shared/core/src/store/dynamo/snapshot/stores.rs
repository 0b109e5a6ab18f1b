//! The engine's store traits on a snapshot: reads come from the loaded items, writes change
//! them in place and are remembered (for the write set, and to undo on a failed write).

use super::{remember, Slot, Snapshot, Undo};
use crate::anomaly::Anomaly;
use crate::domain::{AccessRequest, AnomalyId, EventId, RequestId, TenantId, UserId};
use crate::rules::access_automation::GroupEntry;
use crate::rules::approved_after_rejection::Rejection;
use crate::rules::inactive_user::LastActivity;
use crate::store::dynamo::keys;
use crate::store::dynamo::records::{
    AnomalyRecord, BucketRecord, EventMarkerRecord, RequestRecord,
};
use crate::store::*;
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

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

    fn known_request(&self, tenant: &TenantId, request: &RequestId) -> Option<AccessRequest> {
        let slot = self.requests.get(&(tenant.clone(), request.clone()))?;
        slot.record.request.as_deref().cloned()
    }

    fn record_request(
        &mut self,
        key: &GroupKey,
        entry: GroupEntry,
        request: AccessRequest,
        high_risk: bool,
    ) {
        let request = Arc::new(request);
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
            request: Some(request.clone()),
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
            let open = &mut self.requester_mut(tenant, requester).rejections;
            crate::rules::approved_after_rejection::record(open, rejection);
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
