//! Connectors: one pure function per access platform from one of its payloads to what the
//! detector consumes — whole v1 events, and state changes that name only the request (most
//! platforms announce a review or an expiry by request id alone) — or "not an access-request
//! event" (ignored silently, and counted). One file per platform; how to point each platform
//! at us and its field mapping are in `docs/connectors.md`.

pub mod apono;
pub mod aws_team;
pub mod common_fate;
mod fields;
pub mod teleport;

use crate::contract::ContractError;
use crate::domain::{Observation, TenantId};
use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;

/// Where a payload comes from, as `replay --source` and the intake routes name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Our own contract (no translation).
    V1,
    Teleport,
    AwsTeam,
    CommonFate,
    Apono,
}

impl Source {
    pub const ALL: [Source; 5] = [
        Self::V1,
        Self::Teleport,
        Self::AwsTeam,
        Self::CommonFate,
        Self::Apono,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::Teleport => "teleport",
            Self::AwsTeam => "aws-team",
            Self::CommonFate => "common-fate",
            Self::Apono => "apono",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A source name that is not one of [`Source::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown source {0:?} (expected one of v1, teleport, aws-team, common-fate, apono)")]
pub struct UnknownSource(pub String);

impl FromStr for Source {
    type Err = UnknownSource;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| UnknownSource(text.to_owned()))
    }
}

/// The largest platform payload taken, in bytes: as much as EventBridge and SQS carry.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// What a connector makes of one payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Translation {
    /// Zero or more events for the detector (zero: an access-request event that changes
    /// nothing the detector tracks, such as a review that leaves the request pending).
    Events(Vec<Observation>),
    /// Not an access-request event at all (a login, a session, a search): ignored, counted.
    NotAccessRequest,
}

/// Why a payload was refused: the platform's own field (as a JSON path) and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConnectorError {
    pub field: String,
    pub message: String,
}

impl ConnectorError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A platform's RFC 3339 time, or an error naming its field.
fn instant(text: &str, field: &str) -> Result<DateTime<Utc>, ConnectorError> {
    crate::timestamp::parse_rfc3339(text).map_err(|e| {
        ConnectorError::new(
            field,
            format!("{text:?} is not an RFC 3339 timestamp ({e})"),
        )
    })
}

/// Which platform a payload that is not a v1 event comes from, by its shape: a Teleport audit
/// event (`event` and `uid`), an SNS notification (TEAM's topic), a Common Fate audit-log event
/// (`action` and `targets`) or Glide event (source `commonfate.io/granted`), an Apono webhook
/// body (`event_type` and `data`). `None` for anything else.
pub fn recognize(payload: &serde_json::Value) -> Option<Source> {
    let has = |field: &str| payload.get(field).is_some();
    if has("event") && has("uid") {
        Some(Source::Teleport)
    } else if has("TopicArn") && has("Type") {
        Some(Source::AwsTeam)
    } else if (has("action") && has("targets"))
        || payload.get("source").and_then(|s| s.as_str()) == Some(common_fate::GLIDE_SOURCE)
    {
        Some(Source::CommonFate)
    } else if has("event_type") && has("data") {
        Some(Source::Apono)
    } else {
        None
    }
}

/// Translate one payload of a platform `source` for `tenant` (v1 events are parsed by
/// [`crate::contract`], not here: for [`Source::V1`] this is an error).
pub fn translate(
    source: Source,
    payload: &[u8],
    tenant: &TenantId,
) -> Result<Translation, ConnectorError> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(ConnectorError::new(
            "$",
            format!(
                "the payload is {} bytes, over the limit of {MAX_PAYLOAD_BYTES}",
                payload.len()
            ),
        ));
    }
    let translation = match source {
        Source::V1 => Err(ConnectorError::new(
            "$",
            "v1 events are parsed by the contract, not a connector",
        )),
        Source::Teleport => teleport::translate(payload, tenant),
        Source::AwsTeam => aws_team::translate(payload, tenant),
        Source::CommonFate => common_fate::translate(payload, tenant),
        Source::Apono => apono::translate(payload, tenant),
    }?;
    if let Translation::Events(observations) = &translation {
        for observation in observations {
            crate::contract::limits::check(observation).map_err(beyond_bounds)?;
        }
    }
    Ok(translation)
}

/// A translated event over one of the contract's bounds, named by the contract's path (the
/// platform's field it came from differs per connector).
fn beyond_bounds(error: ContractError) -> ConnectorError {
    match error {
        ContractError::Field { path, message } => {
            ConnectorError::new(path, format!("{message} (in the translated event)"))
        }
        other => ConnectorError::new("$", format!("{other} (the translated event)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(path: &str) -> serde_json::Value {
        let path = format!("{}/../../events/{path}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn each_platforms_payload_is_recognized_by_its_shape_and_a_v1_event_by_none() {
        // Arrange
        let cases = [
            (
                "platforms/teleport/access_request.create.docs.json",
                Some(Source::Teleport),
            ),
            (
                "platforms/common-fate/webhook.audit_log.grant.requested.docs.json",
                Some(Source::CommonFate),
            ),
            ("samples/pending.json", None),
        ];
        for (path, expected) in cases {
            // Act / Assert
            assert_eq!(recognize(&sample(path)), expected, "{path}");
        }
        let team = serde_json::json!({"Type": "Notification", "TopicArn": "arn:aws:sns:x", "Message": "{}"});
        let apono = serde_json::json!({"event_type": "AccessRequestCreated", "data": {}});
        let glide = serde_json::json!({"source": common_fate::GLIDE_SOURCE, "detail-type": "request.created"});
        assert_eq!(recognize(&team), Some(Source::AwsTeam));
        assert_eq!(recognize(&apono), Some(Source::Apono));
        assert_eq!(recognize(&glide), Some(Source::CommonFate));
    }

    #[test]
    fn a_translated_event_over_a_contract_bound_is_refused_naming_the_field() {
        // Arrange: a Teleport request for 101 roles (each role a permission).
        let mut payload = sample("platforms/teleport/access_request.create.docs.json");
        payload["roles"] = (0..101)
            .map(|i| serde_json::json!(format!("role-{i}")))
            .collect();
        let bytes = serde_json::to_vec(&payload).unwrap();
        // Act
        let error = translate(Source::Teleport, &bytes, &TenantId::default_tenant()).unwrap_err();
        // Assert
        assert_eq!(error.field, "request.permissions");
        assert_eq!(
            error.message,
            "lists 101 permissions, over the limit of 100 (in the translated event)"
        );
    }

    #[test]
    fn a_payload_over_256_kib_is_refused_unread() {
        // Arrange
        let payload = vec![b' '; MAX_PAYLOAD_BYTES + 1];
        // Act
        let error = translate(Source::Apono, &payload, &TenantId::default_tenant()).unwrap_err();
        // Assert
        assert_eq!(error.field, "$");
        assert!(
            error.message.ends_with("over the limit of 262144"),
            "{}",
            error.message
        );
    }
}
