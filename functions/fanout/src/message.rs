//! One SQS message from the bus rule: an EventBridge event whose detail is an anomaly. The
//! message published to the topic is the event as received; its attributes are taken from
//! the anomaly.

use anomalies_core::anomaly::Anomaly;
use anomalies_core::bus::DetailType;
use serde::Deserialize;

/// The attributes every topic message carries (subscribers' filter policies use them).
pub const ATTRIBUTES: [&str; 7] = [
    "event_type",
    "type",
    "severity",
    "status",
    "tenant_id",
    "integration",
    "resource_type",
];

#[derive(Debug, Deserialize)]
struct BusEvent {
    #[serde(rename = "detail-type")]
    detail_type: String,
    detail: serde_json::Value,
}

/// Why a message cannot be forwarded.
#[derive(Debug, thiserror::Error)]
pub enum BadMessage {
    #[error("not an EventBridge event: {0}")]
    NotAnEvent(serde_json::Error),
    #[error("the detail of `{detail_type}` is not an anomaly: {source}")]
    NotAnAnomaly {
        detail_type: String,
        source: serde_json::Error,
    },
}

/// A message for the topic.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicMessage {
    pub body: String,
    /// (name, value) in the order of [`ATTRIBUTES`].
    pub attributes: Vec<(&'static str, String)>,
}

/// The topic message for an SQS body, or `None` for an event this function does not
/// forward.
pub fn topic_message(body: &str) -> Result<Option<TopicMessage>, BadMessage> {
    let event: BusEvent = serde_json::from_str(body).map_err(BadMessage::NotAnEvent)?;
    // Forwarded: the two events whose detail is an anomaly.
    if !DetailType::parse(&event.detail_type).is_some_and(DetailType::carries_anomaly) {
        return Ok(None);
    }
    let anomaly: Anomaly =
        serde_json::from_value(event.detail).map_err(|source| BadMessage::NotAnAnomaly {
            detail_type: event.detail_type.clone(),
            source,
        })?;
    let values = [
        event.detail_type,
        anomaly.kind.as_str().to_owned(),
        anomaly.severity.as_str().to_owned(),
        anomaly.status.as_str().to_owned(),
        anomaly.tenant_id.to_string(),
        anomaly.integration.id.to_string(),
        anomaly.resource_type.to_string(),
    ];
    Ok(Some(TopicMessage {
        body: body.to_owned(),
        attributes: ATTRIBUTES.into_iter().zip(values).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use anomalies_core::sample::sample_anomaly;

    fn event(detail_type: &str, detail: serde_json::Value) -> String {
        serde_json::json!({
            "version": "0", "id": "e1", "detail-type": detail_type,
            "source": "access-anomalies", "time": "2026-11-24T10:00:00Z",
            "detail": detail
        })
        .to_string()
    }

    #[test]
    fn an_anomaly_event_becomes_a_message_with_its_attributes() {
        // Arrange
        let anomaly = sample_anomaly("alice", 0);
        let body = event("Anomaly Detected", serde_json::to_value(&anomaly).unwrap());

        // Act
        let message = topic_message(&body).unwrap().unwrap();

        // Assert
        assert_eq!(message.body, body);
        assert_eq!(
            message.attributes[0],
            ("event_type", "Anomaly Detected".into())
        );
        assert_eq!(
            message.attributes[2],
            ("severity", anomaly.severity.as_str().into())
        );
        assert_eq!(
            message.attributes[4],
            ("tenant_id", anomaly.tenant_id.to_string())
        );
    }

    #[test]
    fn other_detail_types_are_not_forwarded() {
        let body = event("Revoke Access Requested", serde_json::json!({}));
        assert_eq!(topic_message(&body).unwrap(), None);
    }

    #[test]
    fn a_detail_that_is_not_an_anomaly_is_named() {
        let err =
            topic_message(&event("Anomaly Updated", serde_json::json!({"id": 1}))).unwrap_err();
        assert!(err.to_string().contains("Anomaly Updated"), "{err}");
        assert!(topic_message("not json").is_err());
    }
}

#[cfg(test)]
mod sample_tests {
    use super::*;

    #[test]
    fn the_sample_lambda_event_is_a_forwardable_anomaly_event() {
        let event: aws_lambda_events::event::sqs::SqsEvent =
            serde_json::from_str(include_str!("../../../events/lambda/fanout-sqs.json")).unwrap();
        let body = event.records[0].body.as_deref().unwrap();
        assert!(topic_message(body).unwrap().is_some());
    }
}
