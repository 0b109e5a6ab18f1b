//! The contract's parser and writer: what each field accepts and how each rejection is named.

use super::*;
use crate::domain::RequestStatus;
use serde_json::json;

fn valid() -> serde_json::Value {
    json!({
        "event_id": "evt-1",
        "occurred_at": "2026-01-05T10:00:00Z",
        "request": {
            "id": "req-1",
            "status": "pending",
            "created_at": "2026-01-05T10:00:00+01:00",
            "requester": {"id": "alice", "email": "alice@example.com"},
            "integration": {"id": "aws-prod"},
            "resource_type": "aws-iam-role",
            "resources": [{"id": "r1", "name": "ProdPayments", "tags": {"env": "prod"}}],
            "permissions": ["AdministratorAccess"]
        }
    })
}

fn parse(value: &serde_json::Value) -> Result<AccessEvent, ContractError> {
    parse_event(&serde_json::to_vec(value).unwrap())
}

fn error_of(mutate: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value = valid();
    mutate(&mut value);
    parse(&value).unwrap_err().to_string()
}

#[test]
fn a_valid_event_parses_with_defaults_for_what_it_omits() {
    let event = parse(&valid()).unwrap();
    assert_eq!(event.tenant_id.as_str(), "default");
    assert_eq!(event.request.status, RequestStatus::Pending);
    assert_eq!(
        event.request.created_at.to_rfc3339(),
        "2026-01-05T09:00:00+00:00"
    );
    assert_eq!(event.request.resources[0].tags.get("env"), Some("prod"));
}

#[test]
fn unknown_fields_are_ignored() {
    let mut value = valid();
    value["extra"] = json!({"anything": [1, 2]});
    value["request"]["future_field"] = json!(true);
    assert!(parse(&value).is_ok());
}

#[test]
fn a_missing_field_is_named_with_its_full_path() {
    let message = error_of(|v| {
        v["request"].as_object_mut().unwrap().remove("created_at");
    });
    assert_eq!(message, "request.created_at: is required but missing");
}

#[test]
fn an_ill_typed_field_is_named() {
    let message = error_of(|v| v["request"]["permissions"] = json!("admin"));
    assert!(
        message.starts_with("request.permissions: invalid type"),
        "{message}"
    );
}

#[test]
fn an_unknown_status_is_rejected_with_the_allowed_values() {
    let message = error_of(|v| v["request"]["status"] = json!("done"));
    assert!(
        message.starts_with("request.status: unknown status \"done\""),
        "{message}"
    );
}

#[test]
fn a_bad_timestamp_is_rejected() {
    let message = error_of(|v| v["occurred_at"] = json!("yesterday"));
    assert!(
        message.starts_with("occurred_at: \"yesterday\" is not an RFC 3339"),
        "{message}"
    );
}

#[test]
fn empty_resources_are_rejected() {
    let message = error_of(|v| v["request"]["resources"] = json!([]));
    assert_eq!(
        message,
        "request.resources: must list at least one resource"
    );
}

#[test]
fn a_resource_without_an_id_is_named_by_index() {
    let message = error_of(|v| v["request"]["resources"] = json!([{"id": "a"}, {"id": ""}]));
    assert_eq!(
        message,
        "request.resources[1].id: must be a non-empty string"
    );
}

#[test]
fn a_tenant_id_with_a_key_separator_is_rejected() {
    assert_eq!(
        error_of(|v| v["tenant_id"] = json!("acme#R#1")),
        "tenant_id: must not contain '#'"
    );
}

#[test]
fn an_empty_event_id_is_rejected() {
    assert_eq!(
        error_of(|v| v["event_id"] = json!("")),
        "event_id: must be a non-empty string"
    );
}

#[test]
fn an_unknown_decision_mode_is_rejected() {
    let message = error_of(|v| v["request"]["decision"] = json!({"mode": "robot"}));
    assert!(
        message.starts_with("request.decision.mode: unknown mode"),
        "{message}"
    );
}

#[test]
fn text_that_is_not_json_is_a_syntax_error() {
    let err = parse_event(b"{not json").unwrap_err();
    assert!(matches!(err, ContractError::Syntax(_)), "{err}");
}

#[test]
fn an_oversized_event_is_rejected_before_parsing() {
    let big = vec![b' '; MAX_EVENT_BYTES + 1];
    assert_eq!(
        parse_event(&big).unwrap_err(),
        ContractError::TooLarge(MAX_EVENT_BYTES + 1)
    );
}

fn change_of(value: serde_json::Value) -> Result<crate::domain::StateChange, ContractError> {
    match parse_observation(&serde_json::to_vec(&value).unwrap())? {
        Observation::Change(change) => Ok(change),
        Observation::Event(_) => panic!("parsed as a whole event"),
    }
}

#[test]
fn an_event_naming_only_the_request_is_a_state_change() {
    // Arrange
    let value = json!({"event_id": "evt-2", "occurred_at": "2026-01-05T11:00:00Z",
        "request": {"id": "req-1", "status": "rejected",
                    "decision": {"mode": "manual", "by": {"id": "bob"}, "reason": "no"}}});
    // Act
    let change = change_of(value).unwrap();
    // Assert
    assert_eq!(change.request_id.as_str(), "req-1");
    assert_eq!(change.status, RequestStatus::Rejected);
    assert_eq!(change.tenant_id.as_str(), "default");
    let decision = change.decision.unwrap();
    assert_eq!(decision.by.unwrap().id.as_str(), "bob");
    assert_eq!(decision.reason.as_deref(), Some("no"));
}

#[test]
fn a_pending_event_must_describe_its_request() {
    let value = json!({"event_id": "e", "occurred_at": "2026-01-05T11:00:00Z",
                       "request": {"id": "req-1", "status": "pending"}});
    let message = change_of(value).unwrap_err().to_string();
    assert!(
        message.starts_with("request.created_at: is required but missing"),
        "{message}"
    );
}

#[test]
fn a_request_with_some_describing_fields_must_have_all_of_them() {
    let message = error_of(|v| {
        let request = v["request"].as_object_mut().unwrap();
        request.remove("resources");
    });
    assert_eq!(message, "request.resources: is required but missing");
}

#[test]
fn a_state_change_still_needs_a_known_status_and_a_request_id() {
    let bad_status = json!({"event_id": "e", "occurred_at": "2026-01-05T11:00:00Z",
                            "request": {"id": "req-1", "status": "done"}});
    assert!(change_of(bad_status)
        .unwrap_err()
        .to_string()
        .starts_with("request.status: unknown status"));
    let no_id = json!({"event_id": "e", "occurred_at": "2026-01-05T11:00:00Z",
                       "request": {"status": "expired"}});
    let err = parse_observation(&serde_json::to_vec(&no_id).unwrap()).unwrap_err();
    assert_eq!(err.to_string(), "request.id: is required but missing");
}

#[test]
fn parse_event_refuses_a_state_change_naming_what_it_lacks() {
    let value = json!({"event_id": "e", "occurred_at": "2026-01-05T11:00:00Z",
                       "request": {"id": "req-1", "status": "expired"}});
    let message = parse(&value).unwrap_err().to_string();
    assert!(
        message.starts_with("request.created_at: is required"),
        "{message}"
    );
}

#[test]
fn every_observation_written_as_json_parses_back_to_itself() {
    // Arrange: the demo stream's events, and each as a state change naming its request.
    let demo = include_str!("../../../../events/demo-stream.jsonl");
    for line in demo.lines() {
        let whole = parse_observation(line.as_bytes()).unwrap();
        let Observation::Event(event) = &whole else {
            panic!("the demo stream is whole events")
        };
        let change = Observation::Change(crate::domain::StateChange {
            event_id: event.event_id.clone(),
            tenant_id: event.tenant_id.clone(),
            occurred_at: event.occurred_at,
            request_id: event.request.id.clone(),
            status: RequestStatus::Expired,
            decision: event.request.decision.clone(),
        });
        for observation in [whole.clone(), change] {
            // Act
            let value = to_value(&observation);
            // Assert
            assert_eq!(
                parse_observation_value(&value).unwrap(),
                observation,
                "{value}"
            );
        }
    }
}

#[test]
fn a_rejection_without_a_mode_counts_as_manual() {
    let mut value = valid();
    value["request"]["status"] = json!("rejected");
    value["request"]["decision"] = json!({"by": {"id": "bob"}});
    assert!(parse(&value).unwrap().is_manual_rejection());
    value["request"]["decision"]["mode"] = json!("automatic");
    assert!(!parse(&value).unwrap().is_manual_rejection());
}

#[test]
fn an_array_where_an_object_belongs_is_refused_naming_it_on_both_parsers() {
    // Arrange: serde alone would read a struct from an array.
    let mut flow = valid();
    flow["request"]["access_flow"] = json!(["flow-1", "name"]);
    let top = json!(["evt-1", null]);

    // Act
    let from_bytes = parse_observation(&serde_json::to_vec(&flow).unwrap()).unwrap_err();
    let from_value = parse_observation_value(&flow).unwrap_err();
    let whole = parse_observation_value(&top).unwrap_err();

    // Assert
    let expected = "request.access_flow: invalid type: sequence, expected a JSON object";
    assert_eq!(from_bytes.to_string(), expected);
    assert_eq!(from_value.to_string(), expected);
    assert_eq!(
        whole.to_string(),
        "event: invalid type: sequence, expected a JSON object"
    );
}
