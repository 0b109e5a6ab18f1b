//! One SQS message from the bus rule: an EventBridge event whose detail is an anomaly. The
//! message published to the topic is the event as received; its attributes are taken from
//! the anomaly.

use anomalies_core::bus::received::{AnomalyEvent, BadEvent};

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

/// A message for the topic.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicMessage {
    pub body: String,
    /// (name, value) in the order of [`ATTRIBUTES`].
    pub attributes: Vec<(&'static str, String)>,
}

/// The topic message for an SQS body, or `None` for an event this function does not
/// forward (only the two events whose detail is an anomaly are).
pub fn topic_message(body: &str) -> Result<Option<TopicMessage>, BadEvent> {
    let Some(AnomalyEvent {
        detail_type,
        anomaly,
    }) = AnomalyEvent::from_json(body)?
    else {
        return Ok(None);
    };
    let values = [
        detail_type.as_str().to_owned(),
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
