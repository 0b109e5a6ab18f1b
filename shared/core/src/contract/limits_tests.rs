//! Every bound at its limit and one past it, through the parser.

use super::*;
use crate::contract::{parse_observation, parse_observation_value};
use serde_json::{json, Value};

fn pending() -> Value {
    json!({
        "event_id": "evt-1", "tenant_id": "acme", "occurred_at": "2026-03-02T09:00:00Z",
        "request": {
            "id": "req-1", "status": "pending", "created_at": "2026-03-02T09:00:00Z",
            "requester": {"id": "alice", "name": "Alice", "email": "alice@example.com"},
            "integration": {"id": "aws", "name": "AWS", "type": "aws"},
            "resource_type": "account",
            "resources": [{"id": "prod", "name": "prod", "tags": {"env": "prod"}}],
            "permissions": ["admin"],
            "access_flow": {"id": "flow", "name": "Flow"},
            "justification": "why", "client": "web",
            "decision": {"by": {"id": "bob", "name": "Bob", "email": "b@example.com"}, "reason": "ok"}
        }
    })
}

/// The JSON pointer of each text field, the path the error names, and its limit.
const TEXTS: [(&str, &str, usize); 19] = [
    ("/event_id", "event_id", MAX_EVENT_ID_CHARS),
    ("/tenant_id", "tenant_id", MAX_TENANT_CHARS),
    ("/request/id", "request.id", MAX_KEY_ID_CHARS),
    (
        "/request/requester/id",
        "request.requester.id",
        MAX_KEY_ID_CHARS,
    ),
    (
        "/request/requester/name",
        "request.requester.name",
        MAX_LABEL_CHARS,
    ),
    (
        "/request/requester/email",
        "request.requester.email",
        MAX_LABEL_CHARS,
    ),
    (
        "/request/integration/id",
        "request.integration.id",
        MAX_KEY_ID_CHARS,
    ),
    (
        "/request/integration/name",
        "request.integration.name",
        MAX_LABEL_CHARS,
    ),
    (
        "/request/integration/type",
        "request.integration.type",
        MAX_LABEL_CHARS,
    ),
    (
        "/request/resource_type",
        "request.resource_type",
        MAX_KEY_ID_CHARS,
    ),
    (
        "/request/resources/0/id",
        "request.resources[0].id",
        MAX_RESOURCE_ID_CHARS,
    ),
    (
        "/request/resources/0/name",
        "request.resources[0].name",
        MAX_LABEL_CHARS,
    ),
    (
        "/request/resources/0/tags/env",
        "request.resources[0].tags.env",
        MAX_LABEL_CHARS,
    ),
    (
        "/request/permissions/0",
        "request.permissions[0]",
        MAX_LABEL_CHARS,
    ),
    (
        "/request/access_flow/id",
        "request.access_flow.id",
        MAX_KEY_ID_CHARS,
    ),
    (
        "/request/access_flow/name",
        "request.access_flow.name",
        MAX_LABEL_CHARS,
    ),
    (
        "/request/justification",
        "request.justification",
        MAX_TEXT_CHARS,
    ),
    ("/request/client", "request.client", MAX_LABEL_CHARS),
    (
        "/request/decision/reason",
        "request.decision.reason",
        MAX_TEXT_CHARS,
    ),
];

fn with(pointer: &str, value: Value) -> Vec<u8> {
    let mut event = pending();
    *event.pointer_mut(pointer).unwrap() = value;
    serde_json::to_vec(&event).unwrap()
}

#[test]
fn each_text_field_is_accepted_at_its_limit_and_rejected_one_character_over_naming_it() {
    for (pointer, path, max) in TEXTS {
        // Arrange: multi-byte characters, counted as characters (as JSON Schema counts).
        let at_limit = with(pointer, Value::from("é".repeat(max)));
        let over = with(pointer, Value::from("é".repeat(max + 1)));
        // Act
        let accepted = parse_observation(&at_limit);
        let rejected = parse_observation(&over).unwrap_err().to_string();
        // Assert
        assert!(accepted.is_ok(), "{path} at {max}: {accepted:?}");
        assert_eq!(
            rejected,
            format!(
                "{path}: is {} characters long, over the limit of {max}",
                max + 1
            )
        );
    }
}

#[test]
fn a_tag_key_over_its_limit_is_rejected_naming_the_resources_tags() {
    // Arrange
    let key = "k".repeat(MAX_TAG_KEY_CHARS + 1);
    let line = with("/request/resources/0/tags", json!({ key: "v" }));
    // Act
    let error = parse_observation(&line).unwrap_err().to_string();
    // Assert
    assert_eq!(
        error,
        format!(
            "request.resources[0].tags (a key): is {} characters long, over the limit of {MAX_TAG_KEY_CHARS}",
            MAX_TAG_KEY_CHARS + 1
        )
    );
}

/// Makes a list (or object) of `n` items.
type Maker = dyn Fn(usize) -> Value;

#[test]
fn each_list_is_accepted_at_its_limit_and_rejected_one_item_over_naming_it() {
    let resources =
        |n: usize| -> Value { (0..n).map(|i| json!({"id": format!("r{i}")})).collect() };
    let permissions = |n: usize| -> Value { (0..n).map(|i| json!(format!("p{i}"))).collect() };
    let tags = |n: usize| -> Value {
        Value::Object((0..n).map(|i| (format!("k{i}"), json!("v"))).collect())
    };
    let cases: [(&str, &str, &str, usize, &Maker); 3] = [
        (
            "/request/resources",
            "request.resources",
            "resources",
            MAX_RESOURCES,
            &resources,
        ),
        (
            "/request/permissions",
            "request.permissions",
            "permissions",
            MAX_PERMISSIONS,
            &permissions,
        ),
        (
            "/request/resources/0/tags",
            "request.resources[0].tags",
            "tags",
            MAX_TAGS,
            &tags,
        ),
    ];
    for (pointer, path, what, max, make) in cases {
        // Act
        let accepted = parse_observation(&with(pointer, make(max)));
        let rejected = parse_observation(&with(pointer, make(max + 1)));
        // Assert
        assert!(accepted.is_ok(), "{path} at {max}: {accepted:?}");
        assert_eq!(
            rejected.unwrap_err().to_string(),
            format!("{path}: lists {} {what}, over the limit of {max}", max + 1)
        );
    }
}

#[test]
fn a_state_change_is_bounded_like_the_request_it_names() {
    // Arrange
    let change = json!({
        "event_id": "evt-2", "occurred_at": "2026-03-02T10:00:00Z",
        "request": {"id": "req-1", "status": "rejected",
                    "decision": {"reason": "x".repeat(MAX_TEXT_CHARS + 1)}}
    });
    // Act
    let error = parse_observation(change.to_string().as_bytes()).unwrap_err();
    // Assert
    assert!(error
        .to_string()
        .starts_with("request.decision.reason: is 2001 characters"));
}

#[test]
fn fields_each_within_their_limit_but_over_64_kib_as_json_together_are_rejected_as_too_large() {
    // Arrange: control characters take six bytes each as JSON (`\u0001`), so 100
    // permissions of 256 come to some 150 KB although each is within its limit.
    let permissions: Value = (0..MAX_PERMISSIONS)
        .map(|_| json!("\u{1}".repeat(MAX_LABEL_CHARS)))
        .collect();
    let mut event = pending();
    event["request"]["permissions"] = permissions;
    // Act: as a decoded value (an EventBridge detail), which no byte count precedes.
    let error = parse_observation_value(&event).unwrap_err();
    // Assert
    let ContractError::TooLarge(bytes) = &error else {
        panic!("{error:?}")
    };
    assert!(*bytes > 6 * MAX_PERMISSIONS * MAX_LABEL_CHARS, "{bytes}");
    assert!(error.to_string().ends_with("over the limit of 65536"));
}
