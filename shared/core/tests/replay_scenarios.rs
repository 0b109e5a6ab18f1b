//! Replay-level behaviour: the processing model (dedup, first sighting, clock, sweeps) and
//! each rule as a user sees it through `replay_reader`.

use anomalies_core::anomaly::{Anomaly, AnomalyType, AutomationTrigger, Evidence};
use anomalies_core::config::Config;
use anomalies_core::engine::Detector;
use anomalies_core::replay::{replay_reader, ReplaySummary};
use serde_json::{json, Value};

fn event(
    event_id: &str,
    request_id: &str,
    status: &str,
    requester: &str,
    created: &str,
    occurred: &str,
) -> Value {
    json!({
        "event_id": event_id,
        "tenant_id": "acme",
        "occurred_at": occurred,
        "request": {
            "id": request_id, "status": status, "created_at": created,
            "requester": {"id": requester},
            "integration": {"id": "pg"},
            "resource_type": "database",
            "resources": [{"id": "orders", "name": "orders"}],
            "permissions": ["write"]
        }
    })
}

fn with_decision(mut event: Value, mode: &str) -> Value {
    event["request"]["decision"] = json!({"mode": mode, "by": {"id": "carol"}});
    event
}

fn run_with(config: Config, events: &[Value]) -> (Vec<Anomaly>, ReplaySummary, Vec<String>) {
    let detector = Detector::new(config).unwrap();
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    let mut errors = Vec::new();
    let (anomalies, summary) =
        replay_reader(&detector, text.as_bytes(), |e| errors.push(e.to_string())).unwrap();
    (anomalies, summary, errors)
}

fn run(events: &[Value]) -> (Vec<Anomaly>, ReplaySummary, Vec<String>) {
    run_with(Config::default(), events)
}

fn of_type(anomalies: &[Anomaly], kind: AnomalyType) -> Vec<&Anomaly> {
    anomalies.iter().filter(|a| a.kind == kind).collect()
}

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

fn bot_request(i: usize, created: &str) -> Value {
    let mut e = event(
        &format!("b{i}"),
        &format!("br{i}"),
        "pending",
        "svc-bot",
        created,
        created,
    );
    e["request"]["permissions"] = json!(["write"]);
    e
}

fn at(base_hour: u32, minute: u32) -> String {
    format!("2026-02-01T{base_hour:02}:{minute:02}:00Z")
}

#[test]
fn automation_in_consecutive_sweeps_updates_one_anomaly_instead_of_raising_another() {
    // Arrange: 5 requests a minute apart (alert), then 3 more within the same 24 h.
    let mut events: Vec<Value> = (0..5).map(|i| bot_request(i, &at(1, i as u32))).collect();
    events.extend((5..8).map(|i| bot_request(i, &at(6, i as u32))));
    events.push(event(
        "tick",
        "other",
        "pending",
        "zoe",
        &at(23, 0),
        &at(23, 0),
    ));
    // Act
    let (anomalies, summary, _) = run(&events);
    // Assert
    let found = of_type(&anomalies, AnomalyType::AccessAutomation);
    assert_eq!(found.len(), 1, "{found:#?}");
    let Evidence::AccessAutomation {
        request_ids,
        count,
        occurrences,
        trigger,
        ..
    } = &found[0].evidence
    else {
        panic!()
    };
    assert_eq!(*count, 8);
    assert_eq!(request_ids.len(), 8);
    assert_eq!(*occurrences, 2);
    assert!(matches!(trigger, AutomationTrigger::RapidFire { .. }));
    assert_eq!(found[0].request_id.as_str(), "br7");
    assert_eq!(summary.updates, 1);
}

#[test]
fn automation_again_after_the_window_has_passed_raises_a_new_anomaly() {
    let mut events: Vec<Value> = (0..5).map(|i| bot_request(i, &at(1, i as u32))).collect();
    events.extend((5..10).map(|i| bot_request(i, &format!("2026-02-03T01:{:02}:00Z", i))));
    let (anomalies, _, _) = run(&events);
    assert_eq!(of_type(&anomalies, AnomalyType::AccessAutomation).len(), 2);
}

#[test]
fn four_quick_requests_are_not_automation() {
    let events: Vec<Value> = (0..4).map(|i| bot_request(i, &at(1, i as u32))).collect();
    assert!(of_type(&run(&events).0, AnomalyType::AccessAutomation).is_empty());
}

#[test]
fn an_allowlisted_bot_is_suppressed_and_counted_once() {
    // Arrange
    let config =
        Config::from_toml("[access_automation.allowlist]\nrequesters = [\"svc-*\"]\n").unwrap();
    let mut events: Vec<Value> = (0..5).map(|i| bot_request(i, &at(1, i as u32))).collect();
    events.push(event(
        "tick",
        "other",
        "pending",
        "zoe",
        &at(23, 0),
        &at(23, 0),
    ));
    // Act
    let (anomalies, summary, _) = run_with(config, &events);
    // Assert
    assert!(of_type(&anomalies, AnomalyType::AccessAutomation).is_empty());
    assert_eq!(
        summary.suppressed.get(&AnomalyType::AccessAutomation),
        Some(&1)
    );
}

#[test]
fn the_demo_stream_yields_one_anomaly_of_each_ingest_type_and_three_automations() {
    let text = include_str!("../../../events/demo-stream.jsonl");
    let detector = Detector::new(Config::default()).unwrap();
    let (anomalies, summary) =
        replay_reader(&detector, text.as_bytes(), |e| panic!("{e}")).unwrap();
    let mut seen: Vec<(&str, &str)> = anomalies
        .iter()
        .map(|a| (a.kind.as_str(), a.requester.id.as_str()))
        .collect();
    seen.sort_unstable();
    assert_eq!(
        seen,
        [
            ("access_automation", "svc-ci-runner"),
            ("access_automation", "svc-deploy"),
            ("access_automation", "svc-nightly-etl"),
            ("approved_after_rejection", "u-dan"),
            ("high_risk_access", "u-alice"),
            ("inactive_user", "u-frank"),
        ]
    );
    assert_eq!(summary.duplicates, 1);
}

#[test]
fn a_dismissed_automation_anomaly_stays_quiet_until_its_suppression_ends() {
    use anomalies_core::anomaly::TriageStatus;
    use anomalies_core::contract::parse_event_value;
    use anomalies_core::engine::{ChangeKind, SweepScope};
    use anomalies_core::store::{AnomalyStore, MemoryStore};
    use anomalies_core::triage::TriageChange;
    use chrono::{DateTime, Utc};
    let time = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    // Arrange: five rapid requests raise an automation anomaly, which a responder dismisses
    // until 06:30.
    let detector = Detector::new(Config::default()).unwrap();
    let mut store = MemoryStore::new();
    let push = |store: &mut MemoryStore, i: usize, created: &str| {
        let event = parse_event_value(&bot_request(i, created)).unwrap();
        detector.process(store, event, time(created));
    };
    for i in 0..5 {
        push(&mut store, i, &at(1, i as u32));
    }
    let raised = detector.sweep(&mut store, time(&at(1, 15)), SweepScope::Full);
    let mut anomaly = raised.changes[0].anomaly.clone();
    let dismiss = TriageChange {
        status: TriageStatus::Dismissed,
        note: None,
        suppress_until: Some(time(&at(6, 30))),
    };
    dismiss
        .apply(&mut anomaly, "alice", time(&at(2, 0)))
        .unwrap();
    store.put_anomaly(anomaly.clone());
    // Act: three more requests; a sweep while suppressed, then one after.
    for i in 5..8 {
        push(&mut store, i, &at(6, i as u32));
    }
    let quiet = detector.sweep(&mut store, time(&at(6, 15)), SweepScope::Full);
    let after = detector.sweep(&mut store, time(&at(6, 45)), SweepScope::Full);
    // Assert
    assert!(quiet.changes.is_empty(), "{:?}", quiet.changes);
    assert_eq!(after.changes.len(), 1);
    let change = &after.changes[0];
    assert_eq!(
        (change.kind, &change.anomaly.id),
        (ChangeKind::Updated, &anomaly.id)
    );
    assert_eq!(
        change.anomaly.status,
        TriageStatus::Dismissed,
        "triage is kept"
    );
    assert_eq!(change.anomaly.history.len(), 1);
    let Evidence::AccessAutomation { count, .. } = &change.anomaly.evidence else {
        panic!()
    };
    assert_eq!(
        *count, 8,
        "requests made while suppressed are folded in afterwards"
    );
}
