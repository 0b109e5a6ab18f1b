//! Replay-level behaviour: the processing model (dedup, first sighting, clock) and the
//! per-event rules as a user sees them through `replay_reader` (automation and sweeps:
//! `replay_automation.rs`).

mod common;

use anomalies_core::anomaly::{AnomalyType, Evidence};
use common::*;
use serde_json::json;

#[test]
fn a_re_sent_event_is_counted_as_a_duplicate_and_changes_nothing() {
    // Arrange: a return after 100 days, with the returning event sent twice.
    let old = event(
        "e1",
        "r1",
        "pending",
        "dan",
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00Z",
    );
    let new = event(
        "e2",
        "r2",
        "pending",
        "dan",
        "2026-04-11T00:00:00Z",
        "2026-04-11T00:00:00Z",
    );
    // Act
    let (anomalies, summary, _) = run(&[old, new.clone(), new]);
    // Assert
    assert_eq!(summary.duplicates, 1);
    assert_eq!(summary.events, 2);
    assert_eq!(of_type(&anomalies, AnomalyType::InactiveUser).len(), 1);
}

#[test]
fn a_later_event_of_a_request_is_not_a_first_sighting() {
    // Arrange: r2 is seen first as pending, then approved; only the first sighting counts.
    let events = [
        event(
            "e1",
            "r1",
            "pending",
            "dan",
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00Z",
        ),
        event(
            "e2",
            "r2",
            "pending",
            "dan",
            "2026-05-01T00:00:00Z",
            "2026-05-01T00:00:00Z",
        ),
        event(
            "e3",
            "r2",
            "approved",
            "dan",
            "2026-05-01T00:00:00Z",
            "2026-05-01T00:10:00Z",
        ),
    ];
    // Act
    let (anomalies, _, _) = run(&events);
    // Assert
    assert_eq!(anomalies.len(), 1);
    assert_eq!(anomalies[0].request_id.as_str(), "r2");
    assert_eq!(
        anomalies[0].detected_at.to_rfc3339(),
        "2026-05-01T00:00:00+00:00"
    );
}

#[test]
fn a_bad_line_is_reported_with_its_number_and_the_rest_is_processed() {
    let good = event(
        "e1",
        "r1",
        "pending",
        "dan",
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00Z",
    );
    let mut bad = event(
        "e2",
        "r2",
        "finished",
        "dan",
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00Z",
    );
    bad["request"]["status"] = json!("finished");
    let (_, summary, errors) = run(&[
        good.clone(),
        bad,
        event(
            "e3",
            "r3",
            "pending",
            "dan",
            "2026-01-02T00:00:00Z",
            "2026-01-02T00:00:00Z",
        ),
    ]);
    assert_eq!(summary.rejected, 1);
    assert_eq!(summary.events, 2);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("line 2: request.status: unknown status \"finished\""),
        "{}",
        errors[0]
    );
}

#[test]
fn an_approval_after_a_manual_rejection_alerts_once_and_consumes_the_rejection() {
    // Arrange: r1 rejected manually; r2 approved (alert); r3 approved later (no alert).
    let events = [
        event(
            "e1",
            "r1",
            "pending",
            "dan",
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00Z",
        ),
        with_decision(
            event(
                "e2",
                "r1",
                "rejected",
                "dan",
                "2026-01-01T00:00:00Z",
                "2026-01-01T01:00:00Z",
            ),
            "manual",
        ),
        event(
            "e3",
            "r2",
            "pending",
            "dan",
            "2026-01-02T00:00:00Z",
            "2026-01-02T00:00:00Z",
        ),
        with_decision(
            event(
                "e4",
                "r2",
                "approved",
                "dan",
                "2026-01-02T00:00:00Z",
                "2026-01-02T00:05:00Z",
            ),
            "manual",
        ),
        with_decision(
            event(
                "e5",
                "r2",
                "approved",
                "dan",
                "2026-01-02T00:00:00Z",
                "2026-01-02T00:06:00Z",
            ),
            "manual",
        ),
        event(
            "e6",
            "r3",
            "pending",
            "dan",
            "2026-01-09T00:00:00Z",
            "2026-01-09T00:00:00Z",
        ),
        with_decision(
            event(
                "e7",
                "r3",
                "approved",
                "dan",
                "2026-01-09T00:00:00Z",
                "2026-01-09T00:05:00Z",
            ),
            "manual",
        ),
    ];
    // Act
    let (anomalies, _, _) = run(&events);
    // Assert
    let found = of_type(&anomalies, AnomalyType::ApprovedAfterRejection);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].request_id.as_str(), "r2");
    let Evidence::ApprovedAfterRejection {
        rejected_request_id,
        ..
    } = &found[0].evidence
    else {
        panic!()
    };
    assert_eq!(rejected_request_id.as_str(), "r1");
}

#[test]
fn an_automatic_rejection_is_not_reversed_by_an_approval() {
    let events = [
        with_decision(
            event(
                "e1",
                "r1",
                "rejected",
                "dan",
                "2026-01-01T00:00:00Z",
                "2026-01-01T01:00:00Z",
            ),
            "automatic",
        ),
        with_decision(
            event(
                "e2",
                "r2",
                "approved",
                "dan",
                "2026-01-02T00:00:00Z",
                "2026-01-02T00:05:00Z",
            ),
            "manual",
        ),
    ];
    assert!(run(&events).0.is_empty());
}

#[test]
fn out_of_order_arrival_within_minutes_alerts_once_for_a_return() {
    // Arrange: after 100 days away, r3 (created 10:02) arrives before r2 (created 10:00).
    let events = [
        event(
            "e1",
            "r1",
            "pending",
            "dan",
            "2026-01-01T10:00:00Z",
            "2026-01-01T10:00:00Z",
        ),
        event(
            "e3",
            "r3",
            "pending",
            "dan",
            "2026-04-11T10:02:00Z",
            "2026-04-11T10:02:00Z",
        ),
        event(
            "e2",
            "r2",
            "pending",
            "dan",
            "2026-04-11T10:00:00Z",
            "2026-04-11T10:00:00Z",
        ),
    ];
    // Act
    let (anomalies, _, _) = run(&events);
    // Assert
    let found = of_type(&anomalies, AnomalyType::InactiveUser);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].request_id.as_str(), "r3");
}

#[test]
fn a_late_rejection_still_counts_when_it_arrives_before_the_approval() {
    // The rejection (occurred 09:58) arrives after an unrelated later event; times, not
    // arrival order, decide the 0..90-day check.
    let events = [
        event(
            "e0",
            "r0",
            "pending",
            "erin",
            "2026-01-01T10:00:00Z",
            "2026-01-01T10:00:00Z",
        ),
        with_decision(
            event(
                "e1",
                "r1",
                "rejected",
                "dan",
                "2026-01-01T09:50:00Z",
                "2026-01-01T09:58:00Z",
            ),
            "manual",
        ),
        with_decision(
            event(
                "e2",
                "r2",
                "approved",
                "dan",
                "2026-01-01T10:01:00Z",
                "2026-01-01T10:03:00Z",
            ),
            "manual",
        ),
    ];
    assert_eq!(
        of_type(&run(&events).0, AnomalyType::ApprovedAfterRejection).len(),
        1
    );
}
