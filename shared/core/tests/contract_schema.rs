//! The published JSON Schema and the Rust parser must agree: every sample event is valid
//! for both, and every bad line is rejected by both.

use anomalies_core::contract::parse_event;
use serde_json::Value;
use std::path::PathBuf;

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

fn validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(events_dir().join("schema/access-request-event.v1.schema.json"))
            .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn lines(file: &str) -> Vec<String> {
    std::fs::read_to_string(events_dir().join(file))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_status_has_a_sample_that_the_schema_and_the_parser_accept() {
    // Arrange
    let validator = validator();
    for status in [
        "pending",
        "approved",
        "rejected",
        "granted",
        "revoked",
        "expired",
        "failed",
        "cancelled",
    ] {
        let text =
            std::fs::read_to_string(events_dir().join(format!("samples/{status}.json"))).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        // Act
        let parsed = parse_event(text.as_bytes());
        // Assert
        assert!(
            validator.is_valid(&value),
            "schema rejects samples/{status}.json"
        );
        assert_eq!(parsed.unwrap().request.status.as_str(), status);
    }
}

#[test]
fn every_line_of_the_demo_stream_is_valid_for_both() {
    let validator = validator();
    for (i, line) in lines("demo-stream.jsonl").iter().enumerate() {
        let value: Value = serde_json::from_str(line).unwrap();
        assert!(
            validator.is_valid(&value),
            "schema rejects demo line {}",
            i + 1
        );
        assert!(
            parse_event(line.as_bytes()).is_ok(),
            "parser rejects demo line {}",
            i + 1
        );
    }
}

#[test]
fn every_bad_line_is_rejected_by_both_with_a_reason_naming_the_field() {
    let validator = validator();
    let expected = [
        "not valid JSON",
        "request.created_at: is required but missing",
        "request.status: unknown status \"approvedd\"",
        "occurred_at: \"2026-03-02 09:00\" is not an RFC 3339 timestamp",
        "request.resources: must list at least one resource",
        "request.permissions: invalid type",
        "event_id: must be a non-empty string",
        "request.requester.id: is required but missing",
    ];
    let bad = lines("bad-lines.jsonl");
    assert_eq!(bad.len(), expected.len());
    for (line, expected) in bad.iter().zip(expected) {
        let message = parse_event(line.as_bytes()).unwrap_err().to_string();
        assert!(
            message.starts_with(expected),
            "{message:?} should start with {expected:?}"
        );
        if let Ok(value) = serde_json::from_str::<Value>(line) {
            assert!(
                !validator.is_valid(&value),
                "schema accepts a bad line: {line}"
            );
        }
    }
}

#[test]
fn a_v1_1_state_change_is_valid_for_both_and_a_partial_request_for_neither() {
    // Arrange
    let validator = validator();
    let change = r#"{"event_id":"e2","occurred_at":"2026-03-02T10:00:00Z","request":{"id":"r1","status":"approved","decision":{"mode":"manual","by":{"id":"bob"}}}}"#;
    let pending = r#"{"event_id":"e3","occurred_at":"2026-03-02T10:00:00Z","request":{"id":"r1","status":"pending"}}"#;
    let partial = r#"{"event_id":"e4","occurred_at":"2026-03-02T10:00:00Z","request":{"id":"r1","status":"expired","requester":{"id":"alice"}}}"#;
    for (line, valid) in [(change, true), (pending, false), (partial, false)] {
        // Act
        let value: Value = serde_json::from_str(line).unwrap();
        let parsed = anomalies_core::contract::parse_observation(line.as_bytes());
        // Assert
        assert_eq!(validator.is_valid(&value), valid, "schema on {line}");
        assert_eq!(parsed.is_ok(), valid, "parser on {line}: {parsed:?}");
    }
}
