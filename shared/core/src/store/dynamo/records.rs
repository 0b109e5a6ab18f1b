//! One record struct per item type (see docs/dynamodb.md). Records are plain serde types;
//! the DynamoDB client maps them to items with serde_dynamo, and a round-trip test per
//! record checks the mapping loses nothing.

use super::keys;
use crate::anomaly::Anomaly;
use crate::domain::{AccessRequest, AnomalyId, EventId, RequestId, TenantId, UserId};
use crate::query::index::index_partitions;
use crate::rules::approved_after_rejection::Rejection;
use crate::rules::inactive_user::LastActivity;
use crate::store::{GroupKey, GroupState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// An event processed, and what it produced (for republishing after a crash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventMarkerRecord {
    pub pk: String,
    pub sk: String,
    pub tenant_id: TenantId,
    pub event_id: EventId,
    pub anomaly_ids: Vec<AnomalyId>,
    pub expires_at: i64,
}

impl EventMarkerRecord {
    pub fn new(
        tenant: &TenantId,
        event: &EventId,
        anomaly_ids: Vec<AnomalyId>,
        expires_at: i64,
    ) -> Self {
        Self {
            pk: keys::event_pk(tenant, event),
            sk: keys::SK_EVENT.into(),
            tenant_id: tenant.clone(),
            event_id: event.clone(),
            anomaly_ids,
            expires_at,
        }
    }
}

/// A request seen before, the automation group it belongs to, and the request as first
/// described (what completes a later state change that names only the request; absent on
/// records written before contract v1.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub pk: String,
    pub sk: String,
    pub version: u64,
    pub request_id: RequestId,
    pub group: GroupKey,
    pub created_at: DateTime<Utc>,
    pub expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Arc<AccessRequest>>,
}

/// A requester's latest request and open manual rejections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequesterRecord {
    pub pk: String,
    pub sk: String,
    pub version: u64,
    pub tenant_id: TenantId,
    pub requester_id: UserId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_activity: Option<LastActivity>,
    #[serde(default)]
    pub rejections: Vec<Rejection>,
    /// The activity-day index partition (day of `last_activity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi7pk: Option<String>,
    /// Set while dormant: the tenant's dormant index partition, and the sort key
    /// (`{last request time}#{requester}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi8pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi8sk: Option<String>,
    /// When the inactivity sweep marked the requester dormant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dormant_since: Option<DateTime<Utc>>,
}

impl RequesterRecord {
    /// Keep the index attributes in step with `last_activity`: the activity day follows it,
    /// and a newer request than the one the requester was marked dormant for ends dormancy.
    pub fn refresh_index(&mut self) {
        let Some(activity) = &self.last_activity else {
            return;
        };
        self.gsi7pk = Some(keys::activity_day_pk(
            activity.created_at.date_naive(),
            &self.pk,
        ));
        let marked_for = self.gsi8sk.as_deref().and_then(|sk| sk.split('#').next());
        if marked_for.is_some_and(|t| t != keys::sortable_time(activity.created_at)) {
            self.gsi8pk = None;
            self.gsi8sk = None;
            self.dormant_since = None;
        }
    }

    /// Mark dormant at `now` (its latest request being older than the inactivity window).
    pub fn mark_dormant(&mut self, now: DateTime<Utc>) {
        let Some(activity) = &self.last_activity else {
            return;
        };
        let time = keys::sortable_time(activity.created_at);
        self.gsi8pk = Some(keys::dormant_pk(&self.tenant_id));
        self.gsi8sk = Some(format!("{time}#{}", self.requester_id));
        self.dormant_since = Some(now);
    }

    pub fn is_dormant(&self) -> bool {
        self.gsi8pk.is_some()
    }

    pub fn empty(tenant: &TenantId, requester: &UserId) -> Self {
        Self {
            pk: keys::requester_pk(tenant, requester),
            sk: keys::SK_REQUESTER.into(),
            version: 0,
            tenant_id: tenant.clone(),
            requester_id: requester.clone(),
            last_activity: None,
            rejections: Vec::new(),
            gsi7pk: None,
            gsi8pk: None,
            gsi8sk: None,
            dormant_since: None,
        }
    }
}

/// An automation group: its recent requests and latest automation anomaly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRecord {
    pub pk: String,
    pub sk: String,
    pub version: u64,
    pub key: GroupKey,
    #[serde(flatten)]
    pub state: GroupState,
    pub expires_at: i64,
}

impl GroupRecord {
    pub fn empty(key: &GroupKey) -> Self {
        Self {
            pk: keys::group_pk(key),
            sk: keys::SK_GROUP.into(),
            version: 0,
            key: key.clone(),
            state: GroupState::default(),
            expires_at: 0,
        }
    }
}

/// "This group had a request in this 15-minute bucket" (the sweep's index).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BucketRecord {
    pub pk: String,
    /// The group's partition key.
    pub sk: String,
    pub expires_at: i64,
}

/// Where an unfinished sweep stopped: the sweep time, the index partition it was reading (by
/// position in the sweep's partition list) and the last group read there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepCheckpoint {
    pub at: DateTime<Utc>,
    pub partition: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// The sweep's progress: the last sweep time completed, and an unfinished one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepStateRecord {
    pub pk: String,
    pub sk: String,
    pub version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_completed: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<SweepCheckpoint>,
    /// The last activity day whose requesters the inactivity sweep has checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dormant_through: Option<chrono::NaiveDate>,
    /// Where an unfinished inactivity sweep stopped (`at` is the start of the day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dormant_pending: Option<SweepCheckpoint>,
}

impl Default for SweepStateRecord {
    fn default() -> Self {
        Self {
            pk: keys::SWEEP_PK.into(),
            sk: keys::SK_SWEEP_STATE.into(),
            version: 0,
            last_completed: None,
            pending: None,
            dormant_through: None,
            dormant_pending: None,
        }
    }
}

/// An anomaly, flattened, with its index keys and publication state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyRecord {
    pub pk: String,
    pub sk: String,
    pub version: u64,
    pub gsi1pk: String,
    pub gsi2pk: String,
    pub gsi3pk: String,
    pub gsi4pk: String,
    pub gsi5pk: String,
    pub gsi6pk: String,
    pub gsisk: String,
    /// False until the anomaly's latest change reached EventBridge.
    pub published: bool,
    pub expires_at: i64,
    #[serde(flatten)]
    pub anomaly: Anomaly,
}

impl AnomalyRecord {
    pub fn new(anomaly: Anomaly, version: u64, expires_at: i64) -> Self {
        let [gsi1pk, gsi2pk, gsi3pk, gsi4pk, gsi5pk, gsi6pk] = index_partitions(&anomaly);
        Self {
            pk: keys::anomaly_pk(&anomaly.tenant_id, &anomaly.id),
            sk: keys::SK_ANOMALY.into(),
            version,
            gsi1pk,
            gsi2pk,
            gsi3pk,
            gsi4pk,
            gsi5pk,
            gsi6pk,
            gsisk: keys::anomaly_time_sk(anomaly.detected_at, &anomaly.id),
            published: false,
            expires_at,
            anomaly,
        }
    }

    /// Replace the anomaly (same id), keeping the index keys in step with it (severity and
    /// status are part of `gsi3pk`).
    pub fn set_anomaly(&mut self, anomaly: Anomaly) {
        let [gsi1pk, gsi2pk, gsi3pk, gsi4pk, gsi5pk, gsi6pk] = index_partitions(&anomaly);
        (self.gsi1pk, self.gsi2pk, self.gsi3pk) = (gsi1pk, gsi2pk, gsi3pk);
        (self.gsi4pk, self.gsi5pk, self.gsi6pk) = (gsi4pk, gsi5pk, gsi6pk);
        self.gsisk = keys::anomaly_time_sk(anomaly.detected_at, &anomaly.id);
        self.anomaly = anomaly;
    }
}

#[cfg(all(test, feature = "dynamodb"))]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::engine::Detector;
    use crate::replay::replay_reader;
    use serde::de::DeserializeOwned;
    use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};
    use std::fmt::Debug;

    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(record: &T) {
        let item: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> =
            to_item(record).unwrap();
        assert!(item.contains_key(keys::PK) && item.contains_key(keys::SK));
        let back: T = from_item(item).unwrap();
        assert_eq!(&back, record);
    }

    fn demo_anomalies() -> Vec<Anomaly> {
        let text = include_str!("../../../../../events/demo-stream.jsonl");
        let detector = Detector::new(Config::default()).unwrap();
        replay_reader(&detector, text.as_bytes(), |e| panic!("{e}"))
            .unwrap()
            .0
    }

    #[test]
    fn every_anomaly_type_round_trips_through_a_dynamodb_item() {
        for anomaly in demo_anomalies() {
            round_trip(&AnomalyRecord::new(anomaly, 3, 1_900_000_000));
        }
    }

    #[test]
    fn the_sweep_state_round_trips() {
        let mut state = SweepStateRecord::default();
        round_trip(&state);
        state.version = 3;
        state.last_completed = Some(chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap());
        state.pending = Some(SweepCheckpoint {
            at: chrono::DateTime::from_timestamp(1_800_000_900, 0).unwrap(),
            partition: 5,
            after: Some("T#a#G#u#x".into()),
        });
        round_trip(&state);
    }

    #[test]
    fn an_event_marker_round_trips() {
        let tenant = TenantId::try_from("acme").unwrap();
        let ids = demo_anomalies().into_iter().map(|a| a.id).collect();
        round_trip(&EventMarkerRecord::new(
            &tenant,
            &EventId::try_from("e1").unwrap(),
            ids,
            1,
        ));
    }

    #[test]
    fn requester_request_group_and_bucket_records_round_trip() {
        use crate::rules::access_automation::GroupEntry;
        let anomalies = demo_anomalies();
        let a = &anomalies[0];
        let key = GroupKey {
            tenant_id: a.tenant_id.clone(),
            requester_id: a.requester.id.clone(),
            scope: "pg\u{1f}orders\u{1f}read\u{1e}write".into(),
        };
        let mut requester = RequesterRecord::empty(&a.tenant_id, &a.requester.id);
        requester.version = 4;
        requester.last_activity = Some(LastActivity {
            request_id: a.request_id.clone(),
            created_at: a.detected_at,
        });
        round_trip(&requester);
        round_trip(&RequestRecord {
            pk: keys::request_pk(&a.tenant_id, &a.request_id),
            sk: keys::SK_REQUEST.into(),
            version: 1,
            request_id: a.request_id.clone(),
            group: key.clone(),
            created_at: a.detected_at,
            expires_at: 9,
            request: None,
        });
        let described = crate::contract::parse_event(include_bytes!(
            "../../../../../events/samples/approved.json"
        ))
        .unwrap();
        round_trip(&RequestRecord {
            pk: keys::request_pk(&a.tenant_id, &a.request_id),
            sk: keys::SK_REQUEST.into(),
            version: 2,
            request_id: a.request_id.clone(),
            group: key.clone(),
            created_at: a.detected_at,
            expires_at: 9,
            request: Some(Arc::new(described.request)),
        });
        let mut group = GroupRecord::empty(&key);
        group.state.entries.push(GroupEntry {
            request_id: a.request_id.clone(),
            created_at: a.detected_at,
            ended_at: Some(a.detected_at),
        });
        group.state.high_risk = true;
        group.state.automation_anomaly = Some(a.id.clone());
        round_trip(&group);
        round_trip(&BucketRecord {
            pk: keys::bucket_pk(0, &group.pk),
            sk: group.pk.clone(),
            expires_at: 7,
        });
    }
}
