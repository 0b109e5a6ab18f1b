//! Event contract v1.1: the JSON an access platform sends for every access-request state
//! change, and its parsing into an [`Observation`] — a whole [`AccessEvent`], or (new in
//! v1.1) a state change that names only `request.id`, `status` and, for decisions,
//! `decision`, for a request an earlier event described. Every v1 event is a valid v1.1
//! event. Parse, don't validate: once parsed, every required field is present, non-empty and
//! well-typed.
//!
//! The published JSON Schema is `events/schema/access-request-event.v1.schema.json`; a test
//! checks that the schema and this parser accept and reject the same sample events.

pub mod limits;
mod wire;

use crate::domain::{AccessEvent, Observation};
use serde::Deserialize;
use wire::{Object, WireEvent};

/// The largest event accepted, in bytes of JSON: as sent (checked before it is parsed), and
/// as parsed or translated by a connector (see [`limits`]). Real events are a few KiB; the
/// bound keeps an anomaly built from one, with its evidence and history, under EventBridge's
/// 256 KB.
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

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
    pub(crate) fn field(path: impl Into<String>, message: impl Into<String>) -> Self {
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
    match sonic_rs::from_str::<Object<WireEvent>>(text) {
        Ok(Object(wire)) => bounded(wire),
        // The fast path failed: parse again, slowly, to name the field that is wrong.
        Err(_) => Err(explain_serde_error(bytes)),
    }
}

/// Parse an event already decoded as a JSON value (an EventBridge `detail`, say).
pub fn parse_observation_value(value: &serde_json::Value) -> Result<Observation, ContractError> {
    match Object::<WireEvent>::deserialize(value) {
        Ok(Object(wire)) => bounded(wire),
        Err(_) => {
            let bytes = serde_json::to_vec(value).unwrap_or_default();
            Err(explain_serde_error(&bytes))
        }
    }
}

/// The observation a wire event holds, if every field is within its bound.
fn bounded(wire: WireEvent<'_>) -> Result<Observation, ContractError> {
    let observation = Observation::try_from(wire)?;
    limits::check(&observation)?;
    Ok(observation)
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

/// An observation as contract v1.1 JSON (what the intake route puts on the access-events
/// bus): a whole event as its request describes it, a state change naming only the request.
pub fn to_value(observation: &Observation) -> serde_json::Value {
    match observation {
        Observation::Event(event) => serde_json::to_value(event).unwrap_or_default(),
        Observation::Change(change) => {
            let mut request = serde_json::json!({
                "id": change.request_id.as_str(),
                "status": change.status.as_str(),
            });
            if let Some(decision) = &change.decision {
                request["decision"] = serde_json::to_value(decision).unwrap_or_default();
            }
            serde_json::json!({
                "event_id": change.event_id.as_str(),
                "tenant_id": change.tenant_id.as_str(),
                "occurred_at": change.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                "request": request,
            })
        }
    }
}

fn explain_serde_error(bytes: &[u8]) -> ContractError {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let err = match serde_path_to_error::deserialize::<_, Object<WireEvent>>(&mut de) {
        Ok(_) => return ContractError::Syntax("trailing characters after the event".into()),
        Err(err) => err,
    };
    let inner = err.inner();
    let message = plain(&strip_position(&inner.to_string()));
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

/// serde names our internal types ("expected struct WireRequest"); a user reads "an object".
fn plain(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("struct Wire") {
        out.push_str(&rest[..at]);
        out.push_str("an object");
        let tail = &rest[at + "struct Wire".len()..];
        let end = tail
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// serde_json appends " at line L column C"; the field path says more, so drop it.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod tests;
