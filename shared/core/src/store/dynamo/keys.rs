//! Table, key, index and attribute names, and the key of every item type. The design and
//! the access pattern each key serves are in docs/dynamodb.md.

use crate::anomaly::{AnomalyType, Severity, TriageStatus};
use crate::domain::{AnomalyId, EventId, IntegrationId, RequestId, TenantId, UserId};
use crate::store::GroupKey;
use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const VERSION: &str = "version";
pub const EXPIRES_AT: &str = "expires_at";
pub const PUBLISHED: &str = "published";
/// The anomaly indexes (see `crate::query::index`): a tenant's anomalies, by requester, by
/// class (type, severity, status), by integration, by resource type, by integration and
/// resource type together. All share one sort key,
/// `gsisk` = `{detected_at}#{id}`.
pub const GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI2: &str = "gsi2";
pub const GSI2_PK: &str = "gsi2pk";
pub const GSI3: &str = "gsi3";
pub const GSI3_PK: &str = "gsi3pk";
pub const GSI4: &str = "gsi4";
pub const GSI4_PK: &str = "gsi4pk";
pub const GSI5: &str = "gsi5";
pub const GSI5_PK: &str = "gsi5pk";
pub const GSI6: &str = "gsi6";
pub const GSI6_PK: &str = "gsi6pk";
pub const GSI_SK: &str = "gsisk";
/// Requesters by the day of their latest request (`gsi7`, sort key `pk`): the inactivity
/// sweep reads the day that has just passed the inactivity window.
pub const GSI7: &str = "gsi7";
pub const GSI7_PK: &str = "gsi7pk";
/// Dormant requesters of a tenant (`gsi8`, sparse), by their latest request time.
pub const GSI8: &str = "gsi8";
pub const GSI8_PK: &str = "gsi8pk";
pub const GSI8_SK: &str = "gsi8sk";
/// Shards per day of the activity index.
pub const ACTIVITY_SHARDS: u32 = 8;

/// Sort keys of the single-item partitions.
pub const SK_EVENT: &str = "E";
pub const SK_REQUEST: &str = "R";
pub const SK_REQUESTER: &str = "U";
pub const SK_GROUP: &str = "G";
pub const SK_ANOMALY: &str = "A";

/// The sweep's own items: its progress (`S`) and its lease (`L`), under one partition.
pub const SWEEP_PK: &str = "SWEEP";
pub const SK_SWEEP_STATE: &str = "S";
pub const SK_SWEEP_LEASE: &str = "L";
pub const LEASE_OWNER: &str = "owner";
/// When a lease ends: the sweep's lease item (epoch seconds) and a webhook delivery's ledger
/// entry (epoch milliseconds).
pub const LEASE_UNTIL: &str = "lease_until";

/// A webhook delivery's ledger entry (`DLV#{delivery}`, sort key `S`): attempts made, its
/// state, and when a scheduled retry is due.
pub const SK_LEDGER: &str = "S";
pub const LEDGER_ATTEMPTS: &str = "attempts";
pub const LEDGER_STATE: &str = "state";
pub const LEDGER_NEXT_AT: &str = "next_at";

/// Shards per time bucket of the automation index, so one busy bucket is not one hot
/// partition.
pub const BUCKET_SHARDS: u32 = 8;
/// Width of a time bucket, in seconds.
pub const BUCKET_SECONDS: i64 = 15 * 60;

/// The key of a single-item partition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemKey {
    pub pk: String,
    pub sk: &'static str,
}

impl ItemKey {
    pub fn new(pk: String, sk: &'static str) -> Self {
        Self { pk, sk }
    }
}

pub fn event_pk(tenant: &TenantId, event: &EventId) -> String {
    format!("T#{tenant}#E#{event}")
}

pub fn request_pk(tenant: &TenantId, request: &RequestId) -> String {
    format!("T#{tenant}#R#{request}")
}

pub fn requester_pk(tenant: &TenantId, requester: &UserId) -> String {
    format!("T#{tenant}#U#{requester}")
}

/// 32 hex digits of SHA-256 over the scope key: fixed-length and free of separators.
pub fn scope_hash(scope: &str) -> String {
    hex::encode(&Sha256::digest(scope.as_bytes())[..16])
}

pub fn group_pk(key: &GroupKey) -> String {
    format!(
        "T#{}#G#{}#{}",
        key.tenant_id,
        key.requester_id,
        scope_hash(&key.scope)
    )
}

pub fn anomaly_pk(tenant: &TenantId, anomaly: &AnomalyId) -> String {
    format!("T#{tenant}#A#{anomaly}")
}

/// A tenant's webhooks (sort key: the webhook id).
pub fn webhooks_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#WEBHOOKS")
}

/// A tenant's source credentials (sort key: the credential id).
pub fn sources_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#SOURCES")
}

/// A webhook's delivery attempts (sort key: [`attempt_sk`]).
pub fn attempts_pk(tenant: &TenantId, webhook: &str) -> String {
    format!("T#{tenant}#WH#{webhook}")
}

/// An attempt's sort key: newest-first order is descending order of this key.
pub fn attempt_sk(attempted_at: DateTime<Utc>, delivery: &str, attempt: u32) -> String {
    format!(
        "{}#{delivery}#{attempt:04}",
        attempted_at.to_rfc3339_opts(SecondsFormat::Millis, true)
    )
}

/// A delivery's ledger entry.
pub fn ledger_pk(delivery: &str) -> String {
    format!("DLV#{delivery}")
}

/// The 15-minute bucket a time falls in (its start, epoch seconds).
pub fn bucket_start(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(BUCKET_SECONDS) * BUCKET_SECONDS
}

/// The index partition of a group in a bucket: the shard comes from the group, so a group
/// always lands in the same shard.
pub fn bucket_pk(bucket_start: i64, group_pk: &str) -> String {
    let digest = Sha256::digest(group_pk.as_bytes());
    let shard = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % BUCKET_SHARDS;
    format!("B#{bucket_start}#{shard}")
}

/// `gsi7pk`: the activity-day partition of a requester (the shard comes from the requester).
pub fn activity_day_pk(day: chrono::NaiveDate, requester_pk: &str) -> String {
    let digest = Sha256::digest(requester_pk.as_bytes());
    let shard = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % ACTIVITY_SHARDS;
    format!("LA#{}#{shard}", day.format("%Y-%m-%d"))
}

/// Every shard of one activity day.
pub fn activity_day_partitions(day: chrono::NaiveDate) -> Vec<String> {
    let day = day.format("%Y-%m-%d");
    (0..ACTIVITY_SHARDS)
        .map(|s| format!("LA#{day}#{s}"))
        .collect()
}

/// `gsi8pk`: a tenant's dormant requesters.
pub fn dormant_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#DU")
}

/// Every index partition of the buckets whose start is in `[from, to]` (both bucket starts).
pub fn bucket_partitions(from: i64, to: i64) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = from.div_euclid(BUCKET_SECONDS) * BUCKET_SECONDS;
    while start <= to {
        out.extend((0..BUCKET_SHARDS).map(|shard| format!("B#{start}#{shard}")));
        start += BUCKET_SECONDS;
    }
    out
}

/// Fixed-width UTC time, so sort keys order like times.
pub fn sortable_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `gsi1pk`: all of a tenant's anomalies.
pub fn anomaly_tenant_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#A")
}

/// `gsi2pk`: a tenant's anomalies of one requester.
pub fn anomaly_requester_pk(tenant: &TenantId, requester: &UserId) -> String {
    format!("T#{tenant}#AU#{requester}")
}

/// `gsi3pk`: a tenant's anomalies of one type, severity and triage status.
pub fn anomaly_class_pk(
    tenant: &TenantId,
    kind: AnomalyType,
    severity: Severity,
    status: TriageStatus,
) -> String {
    format!(
        "T#{tenant}#AC#{}#{}#{}",
        kind.as_str(),
        severity.as_str(),
        status.as_str()
    )
}

/// `gsi4pk`: a tenant's anomalies of one integration.
pub fn anomaly_integration_pk(tenant: &TenantId, integration: &IntegrationId) -> String {
    format!("T#{tenant}#AI#{integration}")
}

/// `gsi5pk`: a tenant's anomalies of one resource type.
pub fn anomaly_resource_type_pk(tenant: &TenantId, resource_type: &str) -> String {
    format!("T#{tenant}#AR#{resource_type}")
}

/// `gsi6pk`: a tenant's anomalies of one integration and resource type (the unit separator
/// keeps `a#b` + `c` apart from `a` + `b#c`).
pub fn anomaly_integration_resource_type_pk(
    tenant: &TenantId,
    integration: &IntegrationId,
    resource_type: &str,
) -> String {
    format!("T#{tenant}#AIR#{integration}\u{1f}{resource_type}")
}

/// `gsisk`: newest-first order is descending order of this key; the id makes it total.
pub fn anomaly_time_sk(detected_at: DateTime<Utc>, id: &AnomalyId) -> String {
    format!("{}#{id}", anomaly_time_prefix(detected_at))
}

/// The time part of `gsisk`, to nanoseconds (fixed width, so it orders like the time).
pub fn anomaly_time_prefix(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn tenant(t: &str) -> TenantId {
        TenantId::try_from(t).unwrap()
    }

    #[test]
    fn every_partition_key_starts_with_the_tenant() {
        let t = tenant("acme");
        let key = GroupKey {
            tenant_id: t.clone(),
            requester_id: UserId::try_from("u1").unwrap(),
            scope: "aws\u{1f}r1\u{1f}read".into(),
        };
        for pk in [
            event_pk(&t, &EventId::try_from("e1").unwrap()),
            request_pk(&t, &RequestId::try_from("r1").unwrap()),
            requester_pk(&t, &UserId::try_from("u1").unwrap()),
            group_pk(&key),
            anomaly_pk(&t, &AnomalyId::try_from("anm_1").unwrap()),
            webhooks_pk(&t),
            attempts_pk(&t, "wh_1"),
        ] {
            assert!(pk.starts_with("T#acme#"), "{pk}");
        }
        assert_eq!(group_pk(&key).len(), "T#acme#G#u1#".len() + 32);
    }

    #[test]
    fn sortable_times_order_like_the_times_they_encode() {
        let a = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let b = a + chrono::Duration::microseconds(1);
        assert!(sortable_time(a) < sortable_time(b));
        assert_eq!(sortable_time(a), "2026-03-02T09:00:00.000000Z");
    }

    #[test]
    fn bucket_partitions_cover_every_shard_of_every_bucket_in_range() {
        let start = bucket_start(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap());
        let parts = bucket_partitions(start, start + 2 * BUCKET_SECONDS);
        assert_eq!(parts.len(), 3 * BUCKET_SHARDS as usize);
        assert!(parts.contains(&bucket_pk(start + BUCKET_SECONDS, "T#a#G#x")));
        assert!(bucket_partitions(start + BUCKET_SECONDS, start).is_empty());
    }

    #[test]
    fn a_group_always_lands_in_the_same_bucket_shard() {
        let start = bucket_start(Utc.with_ymd_and_hms(2026, 3, 2, 9, 7, 0).unwrap());
        assert_eq!(start % BUCKET_SECONDS, 0);
        assert_eq!(bucket_pk(start, "T#a#G#x"), bucket_pk(start, "T#a#G#x"));
        let shards: std::collections::HashSet<String> = (0..200)
            .map(|i| bucket_pk(start, &format!("T#a#G#{i}")))
            .collect();
        assert_eq!(shards.len(), BUCKET_SHARDS as usize);
    }
}
