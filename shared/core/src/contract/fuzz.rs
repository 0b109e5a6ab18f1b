//! The contract's parser over arbitrary input: it never panics, valid JSON is never called a
//! syntax error, and every rejection names a field of the contract.

use super::*;
use proptest::prelude::*;
use serde_json::{json, Value};

/// The paths a valid event has, each of which a case replaces.
const PATHS: [&str; 14] = [
    "event_id",
    "tenant_id",
    "occurred_at",
    "request",
    "request.id",
    "request.status",
    "request.created_at",
    "request.requester",
    "request.integration",
    "request.resource_type",
    "request.resources",
    "request.permissions",
    "request.decision",
    "request.access_flow",
];

fn valid() -> Value {
    json!({
        "event_id": "evt-1", "tenant_id": "acme", "occurred_at": "2026-01-05T10:00:00Z",
        "request": {
            "id": "req-1", "status": "approved", "created_at": "2026-01-05T09:00:00Z",
            "decision": {"mode": "manual", "by": {"id": "bob"}},
            "requester": {"id": "alice"}, "integration": {"id": "aws-prod"},
            "resource_type": "aws-iam-role", "resources": [{"id": "r1"}],
            "permissions": ["AdministratorAccess"], "access_flow": {"id": "flow-1"}
        }
    })
}

/// Arbitrary JSON with the contract's nested keys and values it looks for.
fn any_json() -> impl Strategy<Value = Value> {
    crate::test_json::any_json(
        &["id", "mode", "by", "name", "tags"],
        &["2026-03-02T10:00:00Z", "approved", ""],
    )
}

fn replace(event: &mut Value, path: &str, value: Value) {
    let mut target = event;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            target[part] = value;
            return;
        }
        target = &mut target[part];
    }
}

/// A rejection names a field: a path into the contract and a reason.
fn names_a_field(error: &ContractError) -> bool {
    match error {
        ContractError::Field { path, message } => {
            // `event` names the whole event; serde's names for our own types never show.
            let root = path.split(['.', '[']).next().unwrap_or_default();
            !message.is_empty()
                && !message.contains("Wire")
                && (path == "event" || PATHS.contains(&root))
        }
        ContractError::Syntax(_) | ContractError::TooLarge(_) => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_json_never_panics_and_every_rejection_names_a_field(value in any_json()) {
        if let Err(error) = parse_observation(value.to_string().as_bytes()) {
            prop_assert!(names_a_field(&error), "{error:?}");
        }
    }

    #[test]
    fn one_field_replaced_by_anything_is_accepted_or_a_rejection_naming_a_field(
        path in prop::sample::select(&PATHS[..]),
        replacement in any_json(),
    ) {
        let mut event = valid();
        replace(&mut event, path, replacement);
        if let Err(error) = parse_observation(event.to_string().as_bytes()) {
            prop_assert!(names_a_field(&error), "{path}: {error:?}");
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_observation(&bytes);
    }
}
