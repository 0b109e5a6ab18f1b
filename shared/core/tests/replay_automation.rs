//! Replay-level automation: consecutive sweeps update one anomaly, a new window raises a
//! new one, near misses stay quiet, allowlists and dismissal suppress, and the demo stream.

mod common;

use anomalies_core::anomaly::{AnomalyType, AutomationTrigger, Evidence};
use anomalies_core::config::Config;
use anomalies_core::engine::Detector;
use anomalies_core::replay::replay_reader;
use common::*;
use serde_json::{json, Value};

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
