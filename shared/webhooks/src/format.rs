//! Delivery bodies. Five formats: the JSON envelope (`event_type`, `event_time`, `data` =
//! the anomaly), an OCSF Detection Finding ([`ocsf`]), a Slack incoming-webhook message
//! ([`slack`]), a Microsoft Teams Adaptive Card ([`teams`]), and a custom template (minijinja syntax,
//! `{{ data.severity }}`) whose placeholders may name any anomaly field. In a template whose
//! content type is JSON, inserted text is JSON-escaped (so `"{{ data.summary }}"` stays valid
//! JSON whatever the summary holds) and objects are inserted as JSON.

use crate::model::{EventType, InvalidField};
use anomalies_core::anomaly::Anomaly;
use chrono::{DateTime, Utc};
use minijinja::value::ValueKind;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::{Deserialize, Serialize};

#[cfg(test)]
mod fuzz;
pub mod ocsf;
pub mod slack;
pub mod teams;

/// Longest custom template, and the largest body a template may render.
pub const MAX_TEMPLATE_BYTES: usize = 16 * 1024;
pub const MAX_BODY_BYTES: usize = 256 * 1024;
const JSON: &str = "application/json";

/// The top-level fields of an anomaly a template may name as `data.<field>`.
pub const ANOMALY_FIELDS: [&str; 19] = [
    "id",
    "tenant_id",
    "type",
    "severity",
    "status",
    "detected_at",
    "updated_at",
    "request_id",
    "requester",
    "integration",
    "resource_type",
    "resources",
    "permissions",
    "access_flow",
    "summary",
    "evidence",
    "recommended_actions",
    "suppressed_until",
    "history",
];
/// The names a template may use at the top level.
const ROOTS: [&str; 3] = ["event_type", "event_time", "data"];

/// How a delivery's body is written. (Every variant is a struct variant: serde lets unit
/// variants of an internally tagged enum carry unknown fields, which the API refuses.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Format {
    Json {},
    Ocsf {},
    Slack {},
    Teams {},
    Template {
        template: String,
        #[serde(default = "json_content_type")]
        content_type: String,
    },
}

impl Default for Format {
    fn default() -> Self {
        Self::Json {}
    }
}

fn json_content_type() -> String {
    JSON.to_owned()
}

/// One event to deliver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub event_type: EventType,
    pub event_time: DateTime<Utc>,
    pub data: Anomaly,
}

/// Why a body could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the template failed: {0}")]
    Template(String),
    #[error("the body is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("cannot encode the body: {0}")]
    Encode(#[from] serde_json::Error),
}

impl Format {
    /// Check a format at registration: template size, syntax and placeholders.
    pub fn validate(&self) -> Result<(), InvalidField> {
        let Self::Template {
            template,
            content_type,
        } = self
        else {
            return Ok(());
        };
        if template.len() > MAX_TEMPLATE_BYTES {
            return Err(InvalidField::new(
                "format.template",
                format!("longer than {MAX_TEMPLATE_BYTES} bytes"),
            ));
        }
        let bad_type = content_type.is_empty()
            || content_type.len() > 100
            || !content_type.bytes().all(|b| (0x20..0x7f).contains(&b));
        if bad_type {
            return Err(InvalidField::new(
                "format.content_type",
                "must be a media type of visible ASCII",
            ));
        }
        let env = environment(is_json(content_type));
        let compiled = env
            .template_from_str(template)
            .map_err(|e| InvalidField::new("format.template", e.to_string()))?;
        let mut names: Vec<String> = compiled.undeclared_variables(true).into_iter().collect();
        names.sort();
        for name in names {
            let mut parts = name.split('.');
            let root = parts.next().unwrap_or_default();
            let known = ROOTS.contains(&root)
                && (root != "data" || parts.next().is_none_or(|f| ANOMALY_FIELDS.contains(&f)));
            if !known {
                return Err(InvalidField::new(
                    "format.template",
                    format!(
                        "unknown placeholder `{name}`: use event_type, event_time or data.<anomaly field>"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The content type and body for one event.
    pub fn render(&self, envelope: &Envelope) -> Result<(String, Vec<u8>), RenderError> {
        let (content_type, body) = match self {
            Self::Json {} => (JSON.to_owned(), serde_json::to_vec(envelope)?),
            Self::Ocsf {} => (
                JSON.to_owned(),
                serde_json::to_vec(&ocsf::finding(envelope))?,
            ),
            Self::Slack {} => (
                JSON.to_owned(),
                serde_json::to_vec(&slack::message(envelope))?,
            ),
            Self::Teams {} => (
                JSON.to_owned(),
                serde_json::to_vec(&teams::message(envelope))?,
            ),
            Self::Template {
                template,
                content_type,
            } => (
                content_type.clone(),
                render_template(template, content_type, envelope)?,
            ),
        };
        if body.len() > MAX_BODY_BYTES {
            return Err(RenderError::TooLarge);
        }
        Ok((content_type, body))
    }
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case(JSON) || essence.to_ascii_lowercase().ends_with("+json")
}

/// A template environment: missing fields render empty; in JSON templates strings are
/// escaped and objects written as JSON.
fn environment(json_body: bool) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_formatter(move |out, _state, value| {
        let text = match value.kind() {
            ValueKind::Undefined | ValueKind::None => String::new(),
            ValueKind::Map | ValueKind::Seq => serde_json::to_string(value).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::BadSerialization, e.to_string())
            })?,
            _ => match value.as_str() {
                Some(s) if json_body => escape_json(s),
                Some(s) => s.to_owned(),
                None => value.to_string(),
            },
        };
        out.write_str(&text)
            .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
    });
    env
}

/// The inside of a JSON string literal for `s`.
fn escape_json(s: &str) -> String {
    let quoted = serde_json::Value::String(s.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

fn render_template(
    template: &str,
    content_type: &str,
    envelope: &Envelope,
) -> Result<Vec<u8>, RenderError> {
    let env = environment(is_json(content_type));
    let compiled = env
        .template_from_str(template)
        .map_err(|e| RenderError::Template(e.to_string()))?;
    let context = Value::from_serialize(envelope);
    let text = compiled
        .render(context)
        .map_err(|e| RenderError::Template(e.to_string()))?;
    Ok(text.into_bytes())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use anomalies_core::sample::sample_anomaly;

    pub(crate) fn envelope() -> Envelope {
        let mut data = sample_anomaly("alice", 0);
        data.summary = "said \"hi\" <b> & left".into();
        Envelope {
            event_type: EventType::AnomalyDetected,
            event_time: "2026-11-24T10:00:00Z".parse().unwrap(),
            data,
        }
    }

    fn template(text: &str, content_type: &str) -> Format {
        Format::Template {
            template: text.into(),
            content_type: content_type.into(),
        }
    }

    #[test]
    fn the_json_envelope_carries_the_event_and_the_anomaly() {
        // Act
        let (content_type, body) = Format::Json {}.render(&envelope()).unwrap();

        // Assert
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(content_type, "application/json");
        assert_eq!(value["event_type"], "Anomaly Detected");
        assert_eq!(value["event_time"], "2026-11-24T10:00:00Z");
        assert_eq!(value["data"]["id"], envelope().data.id.as_str());
    }

    #[test]
    fn a_json_template_escapes_inserted_text_and_writes_objects_as_json() {
        // Arrange
        let format = template(
            r#"{"summary": "{{ data.summary }}", "severity": "{{ data.severity }}", "who": {{ data.requester }}, "missing": "{{ data.access_flow.name }}"}"#,
            "application/json",
        );

        // Act
        let (_, body) = format.render(&envelope()).unwrap();

        // Assert
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["summary"], "said \"hi\" <b> & left");
        assert_eq!(value["severity"], envelope().data.severity.as_str());
        assert_eq!(value["who"]["id"], "alice");
        assert_eq!(value["missing"], "");
    }

    #[test]
    fn a_text_template_inserts_text_as_is() {
        let format = template("{{ event_type }}: {{ data.summary }}", "text/plain");
        let (content_type, body) = format.render(&envelope()).unwrap();
        assert_eq!(content_type, "text/plain");
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "Anomaly Detected: said \"hi\" <b> & left"
        );
    }

    #[test]
    fn unknown_placeholders_and_bad_syntax_are_refused_at_registration() {
        let err = template("{{ data.sevrity }}", "text/plain")
            .validate()
            .unwrap_err();
        assert!(err.message.contains("data.sevrity"), "{}", err.message);
        let err = template("{{ anomaly.id }}", "text/plain")
            .validate()
            .unwrap_err();
        assert!(err.message.contains("anomaly.id"), "{}", err.message);
        assert!(template("{{ data.id ", "text/plain").validate().is_err());
        assert!(template(
            "{% for r in data.resources %}{{ r.id }}{% endfor %} {{ data.requester.email }}",
            "text/plain"
        )
        .validate()
        .is_ok());
    }

    #[test]
    fn the_field_list_covers_every_field_of_a_full_anomaly() {
        // Arrange: a sample with every optional field set.
        let mut anomaly = sample_anomaly("alice", 0);
        anomaly.suppressed_until = Some(anomaly.detected_at);
        let value = serde_json::to_value(&anomaly).unwrap();

        // Assert
        for key in value.as_object().unwrap().keys() {
            assert!(ANOMALY_FIELDS.contains(&key.as_str()), "{key} missing");
        }
    }
}
