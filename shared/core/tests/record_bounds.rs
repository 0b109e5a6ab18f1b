//! The largest requests the contract accepts still make anomalies far under EventBridge's
//! 256 KB entry (and so DynamoDB's 400 KB item), evidence and a full history included; a
//! requester rejected again and again keeps a bounded list of open rejections; and an
//! event over a bound is rejected alone, the others detected as if it had never come.

mod common;

use anomalies_core::anomaly::{AnomalyType, Evidence, TriageStatus};
use anomalies_core::contract::limits::{MAX_LABEL_CHARS, MAX_PERMISSIONS, MAX_RESOURCES};
use anomalies_core::contract::MAX_EVENT_BYTES;
use anomalies_core::rules::approved_after_rejection::MAX_REVERSED_LISTED;
use anomalies_core::rules::high_risk_access::MAX_MATCHES_LISTED;
use anomalies_core::triage::{TriageChange, MAX_HISTORY, MAX_NOTE_CHARS};
use chrono::{Duration, TimeZone, Utc};
use common::*;
use serde_json::{json, Value};

/// EventBridge takes entries of at most 256 KB; an anomaly keeps a 64 KiB margin.
const ANOMALY_BUDGET: usize = 192 * 1024;

/// A request as large as the contract takes: 100 production resources, 100 admin
/// permissions, long ids, names and tags, filled up to just under 64 KiB.
fn largest(id: &str, status: &str, at: &str) -> Value {
    let mut event = event(id, id, status, "alice", at, at);
    let resources: Value = (0..MAX_RESOURCES)
        .map(|i| {
            json!({"id": format!("prod-db-{i:0>360}"), "name": format!("prod customers {i}"),
                   "tags": {"data": "pii", "env": "prod"}})
        })
        .collect();
    let permissions: Value = (0..MAX_PERMISSIONS)
        .map(|i| json!(format!("admin-{i:0>180}")))
        .collect();
    event["request"]["resources"] = resources;
    event["request"]["permissions"] = permissions;
    event["request"]["requester"]["name"] = json!("n".repeat(MAX_LABEL_CHARS));
    event
}

#[test]
fn the_largest_high_risk_request_with_a_full_history_stays_far_under_eventbridges_limit() {
    // Arrange
    let request = largest("r1", "pending", "2026-03-01T09:00:00Z");
    let size = request.to_string().len();
    assert!(size > 60 * 1024 && size <= MAX_EVENT_BYTES, "{size}");
    // Act: detected, then triaged until the history is full of the longest notes.
    let (anomalies, _, errors) = run(&[request]);
    assert!(errors.is_empty(), "{errors:?}");
    let mut anomaly = of_type(&anomalies, AnomalyType::HighRiskAccess)[0].clone();
    let note = TriageChange {
        status: TriageStatus::Acknowledged,
        note: Some("é".repeat(MAX_NOTE_CHARS)),
        suppress_until: None,
    };
    for _ in 0..MAX_HISTORY {
        note.apply(&mut anomaly, &"a".repeat(200), Utc::now())
            .unwrap();
    }
    // Assert
    let Evidence::HighRiskAccess {
        sensitive,
        elevated,
    } = &anomaly.evidence
    else {
        panic!("not high-risk evidence");
    };
    assert_eq!(
        (sensitive.len(), elevated.len()),
        (MAX_MATCHES_LISTED, MAX_MATCHES_LISTED)
    );
    assert_eq!(anomaly.resources.len(), MAX_RESOURCES, "the request whole");
    let bytes = serde_json::to_vec(&anomaly).unwrap().len();
    assert!(bytes < ANOMALY_BUDGET, "{bytes} bytes");
}

#[test]
fn a_requester_rejected_150_times_keeps_the_newest_100_and_the_approval_lists_25() {
    // Arrange: 150 manual rejections, a minute apart, then an approval of the same scope.
    let start = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let mut events: Vec<Value> = (0..150)
        .map(|i| {
            let at = (start + Duration::minutes(i)).to_rfc3339();
            let id = format!("rej{i}");
            with_decision(event(&id, &id, "rejected", "alice", &at, &at), "manual")
        })
        .collect();
    let at = (start + Duration::hours(5)).to_rfc3339();
    events.push(with_decision(
        event("ok", "ok", "approved", "alice", &at, &at),
        "manual",
    ));
    // Act
    let (anomalies, _, errors) = run(&events);
    // Assert
    assert!(errors.is_empty(), "{errors:?}");
    let reversal = of_type(&anomalies, AnomalyType::ApprovedAfterRejection);
    assert_eq!(reversal.len(), 1);
    let Evidence::ApprovedAfterRejection {
        rejected_request_id,
        reversed_rejections,
        ..
    } = &reversal[0].evidence
    else {
        panic!("not approved-after-rejection evidence");
    };
    assert_eq!(
        rejected_request_id.as_str(),
        "rej149",
        "the latest is cited"
    );
    assert_eq!(reversed_rejections.len(), MAX_REVERSED_LISTED);
    assert_eq!(reversed_rejections[0].as_str(), "rej149", "newest first");
    let oldest = reversed_rejections.last().unwrap();
    assert_eq!(oldest.as_str(), "rej125");
}

#[test]
fn an_event_over_a_bound_is_rejected_alone_and_the_rest_is_detected_as_without_it() {
    // Arrange: a high-risk request, a bot's five quick requests; then the same stream with
    // an event of 101 resources in the middle.
    let mut stream = vec![largest("big", "pending", "2026-03-01T09:00:00Z")];
    for i in 0..5 {
        let at = format!("2026-03-01T10:0{i}:00Z");
        stream.push(event(
            &format!("e{i}"),
            &format!("b{i}"),
            "pending",
            "bot",
            &at,
            &at,
        ));
    }
    let mut over = event(
        "o",
        "o",
        "pending",
        "eve",
        "2026-03-01T10:02:30Z",
        "2026-03-01T10:02:30Z",
    );
    over["request"]["resources"] = (0..=MAX_RESOURCES)
        .map(|i| json!({"id": format!("r{i}")}))
        .collect();
    let mut with_over = stream.clone();
    with_over.insert(3, over);
    // Act
    let (expected, _, _) = run(&stream);
    let (anomalies, summary, errors) = run(&with_over);
    // Assert
    assert_eq!(
        errors,
        ["line 4: request.resources: lists 101 resources, over the limit of 100"]
    );
    assert_eq!(summary.rejected, 1);
    assert_eq!(anomalies, expected);
    assert_eq!(expected.len(), 2, "high-risk and automation");
}
