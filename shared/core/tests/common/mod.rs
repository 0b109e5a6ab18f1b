//! What the replay scenario tests share: events as a platform sends them, and replay.
#![allow(dead_code)]

use anomalies_core::anomaly::{Anomaly, AnomalyType};
use anomalies_core::config::Config;
use anomalies_core::engine::Detector;
use anomalies_core::replay::{replay_reader, ReplaySummary};
use serde_json::{json, Value};

pub fn event(
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

pub fn with_decision(mut event: Value, mode: &str) -> Value {
    event["request"]["decision"] = json!({"mode": mode, "by": {"id": "carol"}});
    event
}

pub fn run_with(config: Config, events: &[Value]) -> (Vec<Anomaly>, ReplaySummary, Vec<String>) {
    let detector = Detector::new(config).unwrap();
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    let mut errors = Vec::new();
    let (anomalies, summary) =
        replay_reader(&detector, text.as_bytes(), |e| errors.push(e.to_string())).unwrap();
    (anomalies, summary, errors)
}

pub fn run(events: &[Value]) -> (Vec<Anomaly>, ReplaySummary, Vec<String>) {
    run_with(Config::default(), events)
}

pub fn of_type(anomalies: &[Anomaly], kind: AnomalyType) -> Vec<&Anomaly> {
    anomalies.iter().filter(|a| a.kind == kind).collect()
}
