//! Event contract v1.1: the JSON an access platform sends for every access-request state
//! change, and its parsing into an [`Observation`] — a whole [`AccessEvent`], or (new in
//! v1.1) a state change that names only `request.id`, `status` and, for decisions,
//! `decision`, for a request an earlier event described. Every v1 event is a valid v1.1
//! event. Parse, don't validate: once parsed, every required field is present, non-empty and
//! well-typed.
//!
//! The published JSON Schema is `events/schema/access-request-event.v1.schema.json`; a test
//! checks that the schema and this parser accept and reject the same sample events.

mod wire;

use crate::domain::{AccessEvent, Observation};
use serde::Deserialize;
use wire::WireEvent;

/// The largest event accepted, in bytes. Real events are a few KiB; anything larger is
/// almost certainly a mistake or an attack, and is rejected before it is parsed.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

/// Why an event was rejected. The message names the field (as a JSON path) and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    #[error("not valid JSON: {0}")]
    Syntax(String),
    #[error("event is {0} bytes, over the limit of {MAX_EVENT_BYTES}")]
    TooLarge(usize),
    #[error("{path}: {message}")]
    Field { path: String, message: String },
}

impl ContractError {
    fn field(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Field {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Parse one event from JSON bytes.
pub fn parse_observation(bytes: &[u8]) -> Result<Observation, ContractError> {
    if bytes.len() > MAX_EVENT_BYTES {
        return Err(ContractError::TooLarge(bytes.len()));
    }
    // Validate UTF-8 once for the whole line; serde_json then skips it per string.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(ContractError::Syntax("the line is not valid UTF-8".into()));
    };
    // sonic-rs (SIMD) on the fast path; serde_json explains failures below.
    match sonic_rs::from_str::<WireEvent>(text) {
        Ok(wire) => Observation::try_from(wire),
        // The fast path failed: parse again, slowly, to name the field that is wrong.
        Err(_) => Err(explain_serde_error(bytes)),
    }
}

/// Parse an event already decoded as a JSON value (an EventBridge `detail`, say).
pub fn parse_observation_value(value: &serde_json::Value) -> Result<Observation, ContractError> {
    match WireEvent::deserialize(value) {
        Ok(wire) => Observation::try_from(wire),
        Err(_) => {
            let bytes = serde_json::to_vec(value).unwrap_or_default();
            Err(explain_serde_error(&bytes))
        }
    }
}

/// Parse one event that must describe its request (not a v1.1 state change).
pub fn parse_event(bytes: &[u8]) -> Result<AccessEvent, ContractError> {
    whole(parse_observation(bytes)?)
}

/// [`parse_event`] for a decoded JSON value.
pub fn parse_event_value(value: &serde_json::Value) -> Result<AccessEvent, ContractError> {
    whole(parse_observation_value(value)?)
}

fn whole(observation: Observation) -> Result<AccessEvent, ContractError> {
    match observation {
        Observation::Event(event) => Ok(*event),
        Observation::Change(_) => Err(ContractError::field(
            "request.created_at",
            "is required but missing (this event names only its request)",
        )),
    }
}

fn explain_serde_error(bytes: &[u8]) -> ContractError {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let err = match serde_path_to_error::deserialize::<_, WireEvent>(&mut de) {
        Ok(_) => return ContractError::Syntax("trailing characters after the event".into()),
        Err(err) => err,
    };
    let inner = err.inner();
    let message = strip_position(&inner.to_string());
    if inner.is_syntax() || inner.is_eof() {
        return ContractError::Syntax(message);
    }
    let path = err.path().to_string();
    let path = if path == "." { String::new() } else { path };
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        let full = if path.is_empty() {
            field.to_owned()
        } else {
            format!("{path}.{field}")
        };
        return ContractError::field(full, "is required but missing");
    }
    if path.is_empty() {
        ContractError::field("event", message)
    } else {
        ContractError::field(path, message)
    }
}

/// serde_json appends " at line L column C"; the field path says more, so drop it.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
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
    fn a_rejection_without_a_mode_counts_as_manual() {
        let mut value = valid();
        value["request"]["status"] = json!("rejected");
        value["request"]["decision"] = json!({"by": {"id": "bob"}});
        assert!(parse(&value).unwrap().is_manual_rejection());
        value["request"]["decision"]["mode"] = json!("automatic");
        assert!(!parse(&value).unwrap().is_manual_rejection());
    }
}
