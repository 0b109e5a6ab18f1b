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

#[test]
fn the_schema_and_the_parser_draw_every_bound_at_the_same_place() {
    use anomalies_core::contract::limits::*;
    use anomalies_core::contract::parse_observation;
    use serde_json::json;
    // Arrange: the pending sample, one field at a time at its bound and one past it.
    let validator = validator();
    let sample: Value = serde_json::from_str(
        &std::fs::read_to_string(events_dir().join("samples/pending.json")).unwrap(),
    )
    .unwrap();
    let text = |n: usize| Value::from("é".repeat(n));
    let list = |n: usize| -> Value { (0..n).map(|i| json!({"id": format!("r{i}")})).collect() };
    let words = |n: usize| -> Value { (0..n).map(|i| json!(format!("p{i}"))).collect() };
    let tags = |n: usize| Value::Object((0..n).map(|i| (format!("k{i}"), json!("v"))).collect());
    let key = |n: usize| Value::Object([("k".repeat(n), json!("v"))].into_iter().collect());
    type Maker = dyn Fn(usize) -> Value;
    let cases: Vec<(&str, usize, &Maker)> = vec![
        ("/event_id", MAX_EVENT_ID_CHARS, &text),
        ("/tenant_id", MAX_TENANT_CHARS, &text),
        ("/request/id", MAX_KEY_ID_CHARS, &text),
        ("/request/requester/id", MAX_KEY_ID_CHARS, &text),
        ("/request/requester/email", MAX_LABEL_CHARS, &text),
        ("/request/integration/type", MAX_LABEL_CHARS, &text),
        ("/request/resource_type", MAX_KEY_ID_CHARS, &text),
        ("/request/resources/0/id", MAX_RESOURCE_ID_CHARS, &text),
        ("/request/resources/0/tags/env", MAX_LABEL_CHARS, &text),
        ("/request/access_flow/id", MAX_KEY_ID_CHARS, &text),
        ("/request/justification", MAX_TEXT_CHARS, &text),
        ("/request/client", MAX_LABEL_CHARS, &text),
        ("/request/resources", MAX_RESOURCES, &list),
        ("/request/permissions", MAX_PERMISSIONS, &words),
        ("/request/resources/0/tags", MAX_TAGS, &tags),
        ("/request/resources/0/tags", MAX_TAG_KEY_CHARS, &key),
    ];
    for (pointer, max, make) in cases {
        for (n, valid) in [(max, true), (max + 1, false)] {
            let mut event = sample.clone();
            *event.pointer_mut(pointer).unwrap() = make(n);
            // Act
            let parsed = parse_observation(event.to_string().as_bytes());
            // Assert
            assert_eq!(
                validator.is_valid(&event),
                valid,
                "schema on {pointer} at {n}"
            );
            assert_eq!(
                parsed.is_ok(),
                valid,
                "parser on {pointer} at {n}: {parsed:?}"
            );
        }
    }
}
