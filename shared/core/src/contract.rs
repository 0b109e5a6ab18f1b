//! Event contract v1: the JSON an access platform sends for every access-request state
//! change, and its parsing into [`AccessEvent`]. Parse, don't validate: once an event is an
//! `AccessEvent`, every required field is present, non-empty and well-typed.
//!
//! The published JSON Schema is `events/schema/access-request-event.v1.schema.json`; a test
//! checks that the schema and this parser accept and reject the same sample events.

use crate::domain::{
    AccessEvent, AccessFlow, AccessRequest, Decision, DecisionMode, EventId, Integration, Party,
    RequestId, RequestStatus, Resource, ResourceId, Tags, TenantId, UserId,
};
use chrono::{DateTime, Utc};
use compact_str::CompactString;
use serde::Deserialize;
use std::borrow::Cow;

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
pub fn parse_event(bytes: &[u8]) -> Result<AccessEvent, ContractError> {
    if bytes.len() > MAX_EVENT_BYTES {
        return Err(ContractError::TooLarge(bytes.len()));
    }
    // Validate UTF-8 once for the whole line; serde_json then skips it per string.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(ContractError::Syntax("the line is not valid UTF-8".into()));
    };
    // sonic-rs (SIMD) on the fast path; serde_json explains failures below.
    match sonic_rs::from_str::<WireEvent>(text) {
        Ok(wire) => AccessEvent::try_from(wire),
        // The fast path failed: parse again, slowly, to name the field that is wrong.
        Err(_) => Err(explain_serde_error(bytes)),
    }
}

/// Parse an event already decoded as a JSON value (an EventBridge `detail`, say).
pub fn parse_event_value(value: &serde_json::Value) -> Result<AccessEvent, ContractError> {
    match WireEvent::deserialize(value) {
        Ok(wire) => AccessEvent::try_from(wire),
        Err(_) => {
            let bytes = serde_json::to_vec(value).unwrap_or_default();
            Err(explain_serde_error(&bytes))
        }
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

#[derive(Deserialize)]
struct WireEvent<'a> {
    event_id: CompactString,
    #[serde(default)]
    tenant_id: Option<CompactString>,
    #[serde(borrow)]
    occurred_at: Cow<'a, str>,
    #[serde(borrow)]
    request: WireRequest<'a>,
}

#[derive(Deserialize)]
struct WireRequest<'a> {
    id: CompactString,
    #[serde(borrow)]
    status: Cow<'a, str>,
    #[serde(borrow)]
    created_at: Cow<'a, str>,
    requester: WireParty,
    integration: WireIntegration,
    resource_type: CompactString,
    resources: Vec<WireResource>,
    permissions: Vec<CompactString>,
    #[serde(default)]
    access_flow: Option<WireAccessFlow>,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    duration_seconds: Option<u64>,
    #[serde(default)]
    client: Option<CompactString>,
    #[serde(default, borrow)]
    decision: Option<WireDecision<'a>>,
}

#[derive(Deserialize)]
struct WireParty {
    id: CompactString,
    #[serde(default)]
    name: Option<CompactString>,
    #[serde(default)]
    email: Option<CompactString>,
}

#[derive(Deserialize)]
struct WireIntegration {
    id: CompactString,
    #[serde(default)]
    name: Option<CompactString>,
    #[serde(default, rename = "type")]
    kind: Option<CompactString>,
}

#[derive(Deserialize)]
struct WireResource {
    id: CompactString,
    #[serde(default)]
    name: Option<CompactString>,
    #[serde(default)]
    tags: Option<Tags>,
}

#[derive(Deserialize)]
struct WireAccessFlow {
    id: CompactString,
    #[serde(default)]
    name: Option<CompactString>,
}

#[derive(Deserialize)]
struct WireDecision<'a> {
    #[serde(default, borrow)]
    mode: Option<Cow<'a, str>>,
    #[serde(default)]
    by: Option<WireParty>,
    #[serde(default)]
    reason: Option<String>,
}

fn timestamp(path: &str, text: &str) -> Result<DateTime<Utc>, ContractError> {
    crate::timestamp::parse_rfc3339(text).map_err(|e| {
        ContractError::field(path, format!("{text:?} is not an RFC 3339 timestamp ({e})"))
    })
}

/// A field's JSON path, formatted only when an error needs it (not on the hot path).
enum FieldPath {
    Static(&'static str),
    Child(&'static str, &'static str),
    Indexed(&'static str, usize, &'static str),
}

impl FieldPath {
    fn render(&self) -> String {
        match self {
            Self::Static(path) => (*path).to_owned(),
            Self::Child(parent, child) => format!("{parent}.{child}"),
            Self::Indexed(list, i, child) => format!("{list}[{i}].{child}"),
        }
    }
}

fn id<T: TryFrom<CompactString>>(
    path: FieldPath,
    value: CompactString,
) -> Result<T, ContractError> {
    T::try_from(value)
        .map_err(|_| ContractError::field(path.render(), "must be a non-empty string"))
}

fn party(path: &'static str, wire: WireParty) -> Result<Party, ContractError> {
    Ok(Party {
        id: id::<UserId>(FieldPath::Child(path, "id"), wire.id)?,
        name: wire.name,
        email: wire.email,
    })
}

impl<'a> TryFrom<WireEvent<'a>> for AccessEvent {
    type Error = ContractError;

    fn try_from(wire: WireEvent<'a>) -> Result<Self, Self::Error> {
        let tenant_id = match wire.tenant_id {
            None => TenantId::default_tenant(),
            // Tenants prefix every storage key, where `#` separates the parts.
            Some(tenant) if tenant.contains('#') => {
                return Err(ContractError::field("tenant_id", "must not contain '#'"))
            }
            Some(tenant) => id(FieldPath::Static("tenant_id"), tenant)?,
        };
        Ok(AccessEvent {
            event_id: id::<EventId>(FieldPath::Static("event_id"), wire.event_id)?,
            tenant_id,
            occurred_at: timestamp("occurred_at", &wire.occurred_at)?,
            request: AccessRequest::try_from(wire.request)?,
        })
    }
}

impl<'a> TryFrom<WireRequest<'a>> for AccessRequest {
    type Error = ContractError;

    fn try_from(wire: WireRequest<'a>) -> Result<Self, Self::Error> {
        let status: RequestStatus =
            wire.status
                .parse()
                .map_err(|e: crate::domain::UnknownStatus| {
                    ContractError::field("request.status", e.to_string())
                })?;
        if is_blank(&wire.resource_type) {
            return Err(ContractError::field(
                "request.resource_type",
                "must be a non-empty string",
            ));
        }
        Ok(AccessRequest {
            id: id::<RequestId>(FieldPath::Static("request.id"), wire.id)?,
            status,
            created_at: timestamp("request.created_at", &wire.created_at)?,
            requester: party("request.requester", wire.requester)?,
            integration: Integration {
                id: id(
                    FieldPath::Static("request.integration.id"),
                    wire.integration.id,
                )?,
                name: wire.integration.name,
                kind: wire.integration.kind,
            },
            resource_type: wire.resource_type,
            resources: resources(wire.resources)?,
            permissions: permissions(wire.permissions)?,
            access_flow: access_flow(wire.access_flow)?,
            justification: wire.justification,
            duration_seconds: wire.duration_seconds,
            client: wire.client,
            decision: wire.decision.map(decision).transpose()?,
        })
    }
}

/// Empty or whitespace only; stops at the first other character.
fn is_blank(text: &str) -> bool {
    !text.chars().any(|c| !c.is_whitespace())
}

fn resources(wire: Vec<WireResource>) -> Result<Vec<Resource>, ContractError> {
    if wire.is_empty() {
        return Err(ContractError::field(
            "request.resources",
            "must list at least one resource",
        ));
    }
    wire.into_iter()
        .enumerate()
        .map(|(i, r)| {
            Ok(Resource {
                id: id::<ResourceId>(FieldPath::Indexed("request.resources", i, "id"), r.id)?,
                name: r.name,
                tags: r.tags.unwrap_or_default(),
            })
        })
        .collect()
}

fn permissions(wire: Vec<CompactString>) -> Result<Vec<CompactString>, ContractError> {
    if wire.is_empty() {
        return Err(ContractError::field(
            "request.permissions",
            "must list at least one permission",
        ));
    }
    if let Some(i) = wire.iter().position(|p| is_blank(p)) {
        return Err(ContractError::field(
            format!("request.permissions[{i}]"),
            "must be a non-empty string",
        ));
    }
    Ok(wire)
}

fn access_flow(wire: Option<WireAccessFlow>) -> Result<Option<AccessFlow>, ContractError> {
    wire.map(|flow| {
        if is_blank(&flow.id) {
            return Err(ContractError::field(
                "request.access_flow.id",
                "must be a non-empty string",
            ));
        }
        Ok(AccessFlow {
            id: flow.id,
            name: flow.name,
        })
    })
    .transpose()
}

fn decision(wire: WireDecision<'_>) -> Result<Decision, ContractError> {
    let mode = match wire.mode.as_deref() {
        None => None,
        Some("manual") => Some(DecisionMode::Manual),
        Some("automatic") => Some(DecisionMode::Automatic),
        Some(other) => {
            return Err(ContractError::field(
                "request.decision.mode",
                format!("unknown mode {other:?} (expected manual or automatic)"),
            ))
        }
    };
    Ok(Decision {
        mode,
        by: wire
            .by
            .map(|by| party("request.decision.by", by))
            .transpose()?,
        reason: wire.reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
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
