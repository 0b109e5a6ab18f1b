//! `approved_after_rejection`: a request approved within the lookback window (default 90
//! days) after a similar request by the same requester was manually rejected. Similar
//! scope: same integration, at least one resource id and one permission (case-insensitive)
//! in common. Each rejection is reversed at most once: the ones an approval matches are
//! consumed, so later routine approvals of that scope stay quiet.

use crate::anomaly::Evidence;
use crate::config::ApprovedAfterRejectionConfig;
use crate::domain::{AccessEvent, IntegrationId, Party, RequestId, ResourceId};
use chrono::{DateTime, Duration, Utc};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// A manual rejection still waiting to be (maybe) reversed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub request_id: RequestId,
    pub rejected_at: DateTime<Utc>,
    pub integration_id: IntegrationId,
    pub resource_ids: Vec<ResourceId>,
    /// Lowercased.
    pub permissions: Vec<CompactString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_by: Option<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Rejection {
    /// The rejection a manual `rejected` event records.
    pub fn from_event(event: &AccessEvent) -> Self {
        let decision = event.request.decision.as_ref();
        Self {
            request_id: event.request.id.clone(),
            rejected_at: event.occurred_at,
            integration_id: event.request.integration.id.clone(),
            resource_ids: event
                .request
                .resources
                .iter()
                .map(|r| r.id.clone())
                .collect(),
            permissions: event
                .request
                .permissions
                .iter()
                .map(|p| p.to_lowercase())
                .collect(),
            rejected_by: decision.and_then(|d| d.by.clone()),
            reason: decision.and_then(|d| d.reason.clone()),
        }
    }
}

/// Open rejections kept per requester: the newest this many at most...
pub const MAX_OPEN_REJECTIONS: usize = 100;
/// ...within this many bytes as JSON, so that the requester's item stays well under
/// DynamoDB's 400 KB whatever the rejected requests held.
pub const MAX_OPEN_REJECTION_BYTES: usize = 192 * 1024;
/// Reversed rejections an anomaly's evidence lists: the most recent.
pub const MAX_REVERSED_LISTED: usize = 25;

/// Record `rejection` among a requester's open ones (once per request), keeping the newest
/// within [`MAX_OPEN_REJECTIONS`] and [`MAX_OPEN_REJECTION_BYTES`]: the oldest go first.
pub fn record(open: &mut Vec<Rejection>, rejection: Rejection) {
    if open.iter().any(|r| r.request_id == rejection.request_id) {
        return;
    }
    open.push(rejection);
    open.sort_by(|a, b| (a.rejected_at, &a.request_id).cmp(&(b.rejected_at, &b.request_id)));
    let (mut kept, mut bytes) = (0, 0_usize);
    for rejection in open.iter().rev() {
        let size = serde_json::to_vec(rejection).map_or(usize::MAX, |json| json.len());
        if kept == MAX_OPEN_REJECTIONS || bytes.saturating_add(size) > MAX_OPEN_REJECTION_BYTES {
            break;
        }
        kept += 1;
        bytes += size;
    }
    let dropped = open.len() - kept;
    open.drain(..dropped);
}

/// An approval that reverses earlier rejections.
#[derive(Debug, Clone, PartialEq)]
pub struct Reversal {
    pub evidence: Evidence,
    /// The rejections to consume (every one that matched).
    pub consumed: Vec<RequestId>,
}

/// Evaluate an `approved` event against the requester's open rejections.
pub fn evaluate(
    config: &ApprovedAfterRejectionConfig,
    approval: &AccessEvent,
    open: &[Rejection],
) -> Option<Reversal> {
    if open.is_empty() {
        return None;
    }
    let approved_at = approval.occurred_at;
    let lookback = Duration::days(i64::from(config.lookback_days));
    let request = &approval.request;
    let permissions: Vec<CompactString> = request
        .permissions
        .iter()
        .map(|p| p.to_lowercase())
        .collect();
    let matched: Vec<&Rejection> = open
        .iter()
        .filter(|r| r.request_id != request.id && r.integration_id == request.integration.id)
        .filter(|r| {
            let age = approved_at - r.rejected_at;
            age >= Duration::zero() && age <= lookback
        })
        .filter(|r| {
            r.resource_ids
                .iter()
                .any(|id| request.resources.iter().any(|res| &res.id == id))
        })
        .filter(|r| r.permissions.iter().any(|p| permissions.contains(p)))
        .collect();
    let latest = matched
        .iter()
        .max_by(|a, b| (a.rejected_at, &a.request_id).cmp(&(b.rejected_at, &b.request_id)))?;
    let common_resources = request
        .resources
        .iter()
        .filter(|res| latest.resource_ids.contains(&res.id))
        .map(|res| res.id.clone())
        .collect();
    let common_permissions = request
        .permissions
        .iter()
        .filter(|p| latest.permissions.contains(&p.to_lowercase()))
        .cloned()
        .collect();
    let consumed: Vec<RequestId> = matched.iter().map(|r| r.request_id.clone()).collect();
    let mut recent = matched.clone();
    recent.sort_by(|a, b| (b.rejected_at, &b.request_id).cmp(&(a.rejected_at, &a.request_id)));
    let listed = recent
        .iter()
        .take(MAX_REVERSED_LISTED)
        .map(|r| r.request_id.clone())
        .collect();
    Some(Reversal {
        evidence: Evidence::ApprovedAfterRejection {
            rejected_request_id: latest.request_id.clone(),
            rejected_at: latest.rejected_at,
            rejected_by: latest.rejected_by.clone(),
            rejection_reason: latest.reason.clone(),
            approved_at,
            approved_by: request.decision.as_ref().and_then(|d| d.by.clone()),
            days_since_rejection: (approved_at - latest.rejected_at).num_days(),
            common_resources,
            common_permissions,
            reversed_rejections: listed,
        },
        consumed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DecisionMode::Manual;
    use crate::domain::RequestStatus::{Approved, Rejected};
    use crate::rules::fixtures::{at, event, DAY};

    fn rejection(request_id: &str, seconds: i64) -> Rejection {
        let event = event("rej", request_id, Rejected)
            .resource("db-1", Some("orders"), &[])
            .permissions(&["Admin", "Read"])
            .occurred(at(seconds))
            .decision(Some(Manual), "bob")
            .build();
        Rejection::from_event(&event)
    }

    fn approval_at(seconds: i64) -> AccessEvent {
        event("app", "req-new", Approved)
            .resource("db-1", Some("orders"), &[])
            .permissions(&["admin"])
            .created(at(seconds - 60))
            .occurred(at(seconds))
            .decision(Some(Manual), "carol")
            .build()
    }

    fn config() -> ApprovedAfterRejectionConfig {
        ApprovedAfterRejectionConfig::default()
    }

    #[test]
    fn an_approval_after_a_similar_manual_rejection_alerts_citing_that_rejection() {
        // Arrange
        let open = [rejection("req-old", 0)];
        // Act
        let reversal = evaluate(&config(), &approval_at(10 * DAY), &open).unwrap();
        // Assert
        let Evidence::ApprovedAfterRejection {
            rejected_request_id,
            rejected_by,
            approved_by,
            days_since_rejection,
            common_permissions,
            ..
        } = reversal.evidence
        else {
            panic!()
        };
        assert_eq!(rejected_request_id.as_str(), "req-old");
        assert_eq!(rejected_by.unwrap().id.as_str(), "bob");
        assert_eq!(approved_by.unwrap().id.as_str(), "carol");
        assert_eq!(days_since_rejection, 10);
        assert_eq!(common_permissions, ["admin"]);
        assert_eq!(reversal.consumed.len(), 1);
    }

    #[test]
    fn exactly_ninety_days_after_the_rejection_still_alerts() {
        assert!(evaluate(&config(), &approval_at(90 * DAY), &[rejection("old", 0)]).is_some());
    }

    #[test]
    fn ninety_days_and_one_second_after_the_rejection_does_not_alert() {
        assert!(evaluate(
            &config(),
            &approval_at(90 * DAY + 1),
            &[rejection("old", 0)]
        )
        .is_none());
    }

    #[test]
    fn a_rejection_after_the_approval_does_not_count() {
        assert!(evaluate(&config(), &approval_at(DAY), &[rejection("old", DAY + 1)]).is_none());
    }

    #[test]
    fn the_most_recent_of_several_matching_rejections_is_cited_and_all_are_consumed() {
        let open = [rejection("first", 0), rejection("second", 5 * DAY)];
        let reversal = evaluate(&config(), &approval_at(10 * DAY), &open).unwrap();
        let Evidence::ApprovedAfterRejection {
            rejected_request_id,
            ..
        } = &reversal.evidence
        else {
            panic!()
        };
        assert_eq!(rejected_request_id.as_str(), "second");
        assert_eq!(reversal.consumed.len(), 2);
    }

    #[test]
    fn a_different_integration_is_not_similar_scope() {
        let approval = event("app", "req-new", Approved)
            .integration("gcp")
            .resource("db-1", None, &[])
            .permissions(&["admin"])
            .occurred(at(DAY))
            .build();
        assert!(evaluate(&config(), &approval, &[rejection("old", 0)]).is_none());
    }

    #[test]
    fn no_resource_in_common_is_not_similar_scope() {
        let approval = event("app", "req-new", Approved)
            .resource("db-2", None, &[])
            .permissions(&["admin"])
            .occurred(at(DAY))
            .build();
        assert!(evaluate(&config(), &approval, &[rejection("old", 0)]).is_none());
    }

    #[test]
    fn no_permission_in_common_is_not_similar_scope() {
        let approval = event("app", "req-new", Approved)
            .resource("db-1", None, &[])
            .permissions(&["write"])
            .occurred(at(DAY))
            .build();
        assert!(evaluate(&config(), &approval, &[rejection("old", 0)]).is_none());
    }

    #[test]
    fn one_shared_resource_among_several_is_enough() {
        let approval = event("app", "req-new", Approved)
            .resource("db-9", None, &[])
            .add_resource("db-1", None)
            .permissions(&["READ"])
            .occurred(at(DAY))
            .build();
        assert!(evaluate(&config(), &approval, &[rejection("old", 0)]).is_some());
    }

    #[test]
    fn the_rejection_of_the_same_request_does_not_count() {
        assert!(evaluate(&config(), &approval_at(DAY), &[rejection("req-new", 0)]).is_none());
    }

    #[test]
    fn open_rejections_keep_the_newest_within_the_byte_bound_and_drop_the_oldest() {
        // Arrange: rejections of 40 KB each (long resource ids), recorded out of order.
        let large = |id: &str, seconds: i64| {
            let mut r = rejection(id, seconds);
            r.resource_ids = (0..100)
                .map(|i| ResourceId::try_from(format!("{i:0>400}")).unwrap())
                .collect();
            r
        };
        let mut open = Vec::new();
        // Act
        for i in [3, 1, 4, 0, 5, 9, 2, 6, 8, 7] {
            record(&mut open, large(&format!("r{i}"), i * 60));
        }
        record(&mut open, large("r9", 9 * 60));
        // Assert
        let bytes = serde_json::to_vec(&open).unwrap().len();
        assert!(bytes <= MAX_OPEN_REJECTION_BYTES, "{bytes}");
        let ids: Vec<&str> = open.iter().map(|r| r.request_id.as_str()).collect();
        assert_eq!(
            ids,
            ["r6", "r7", "r8", "r9"],
            "the newest, oldest first, once each"
        );
    }

    #[test]
    fn open_rejections_keep_at_most_the_newest_hundred() {
        // Arrange
        let mut open = Vec::new();
        // Act
        for i in 0..150 {
            record(&mut open, rejection(&format!("r{i}"), i));
        }
        // Assert
        assert_eq!(open.len(), MAX_OPEN_REJECTIONS);
        assert_eq!(open[0].request_id.as_str(), "r50");
    }
}
