//! Which events a webhook gets: the event types (the two anomaly detail types of the bus,
//! and the test event) and the filters on them.

use super::{InvalidField, MAX_FILTER_VALUES};
use anomalies_core::anomaly::{Anomaly, AnomalyType, Severity};
use anomalies_core::bus::DetailType;
use serde::{Deserialize, Serialize};

/// Which events a webhook gets. Each empty list means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Filters {
    pub event_types: Vec<EventType>,
    pub types: Vec<AnomalyType>,
    pub severities: Vec<Severity>,
    pub integrations: Vec<String>,
}

impl Filters {
    /// Whether an event passes every filter.
    pub fn matches(&self, event_type: EventType, anomaly: &Anomaly) -> bool {
        let any_or = |empty: bool, hit: bool| empty || hit;
        any_or(
            self.event_types.is_empty(),
            self.event_types.contains(&event_type),
        ) && any_or(self.types.is_empty(), self.types.contains(&anomaly.kind))
            && any_or(
                self.severities.is_empty(),
                self.severities.contains(&anomaly.severity),
            )
            && any_or(
                self.integrations.is_empty(),
                self.integrations
                    .iter()
                    .any(|i| i == anomaly.integration.id.as_str()),
            )
    }

    pub(super) fn validate(&self) -> Result<(), InvalidField> {
        let lengths = [
            ("filters.event_types", self.event_types.len()),
            ("filters.types", self.types.len()),
            ("filters.severities", self.severities.len()),
            ("filters.integrations", self.integrations.len()),
        ];
        for (field, len) in lengths {
            if len > MAX_FILTER_VALUES {
                return Err(InvalidField::new(
                    field,
                    format!("at most {MAX_FILTER_VALUES} values"),
                ));
            }
        }
        if self.integrations.iter().any(|i| i.trim().is_empty()) {
            return Err(InvalidField::new(
                "filters.integrations",
                "integration ids must not be empty",
            ));
        }
        Ok(())
    }
}

/// The events webhooks deliver (the two anomaly `detail-type`s of the bus contract), plus
/// the test event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum EventType {
    AnomalyDetected,
    AnomalyUpdated,
    WebhookTest,
}

/// The test event's name (not a bus detail type: it never goes on the bus).
pub const WEBHOOK_TEST: &str = "Webhook Test";

impl EventType {
    pub const ALL: [EventType; 3] = [
        Self::AnomalyDetected,
        Self::AnomalyUpdated,
        Self::WebhookTest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AnomalyDetected => DetailType::AnomalyDetected.as_str(),
            Self::AnomalyUpdated => DetailType::AnomalyUpdated.as_str(),
            Self::WebhookTest => WEBHOOK_TEST,
        }
    }

    /// The event type of a bus `detail-type`, for the two anomaly events.
    pub fn from_detail_type(detail_type: DetailType) -> Option<Self> {
        match detail_type {
            DetailType::AnomalyDetected => Some(Self::AnomalyDetected),
            DetailType::AnomalyUpdated => Some(Self::AnomalyUpdated),
            _ => None,
        }
    }
}

impl TryFrom<String> for EventType {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == text)
            .ok_or_else(|| format!("unknown event type {text:?}"))
    }
}

impl From<EventType> for &'static str {
    fn from(event_type: EventType) -> Self {
        event_type.as_str()
    }
}
