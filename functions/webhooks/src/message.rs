//! What arrives on the webhooks queue: anomaly events from the topic (an SNS notification
//! envelope, or the bare event when the subscription uses raw message delivery) and this
//! function's own retry messages.

use anomalies_core::anomaly::Anomaly;
use anomalies_core::bus::DetailType;
use anomalies_webhooks::delivery::Delivery;
use anomalies_webhooks::format::Envelope;
use anomalies_webhooks::model::EventType;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One unit of work.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    /// A new event: deliver to every matching webhook of its tenant.
    Event(Envelope),
    /// The next attempt of one delivery.
    Retry(Delivery),
    /// Not for webhooks (another detail type).
    Ignored,
}

/// The body of a retry message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetryMessage {
    pub webhook_retry: Delivery,
}

#[derive(Deserialize)]
struct SnsNotification {
    #[serde(rename = "Type")]
    kind: String,
    #[serde(rename = "Message")]
    message: String,
}

#[derive(Deserialize)]
struct BusEvent {
    #[serde(rename = "detail-type")]
    detail_type: String,
    time: DateTime<Utc>,
    detail: serde_json::Value,
}

/// Why a message cannot be worked on.
#[derive(Debug, thiserror::Error)]
pub enum BadMessage {
    #[error("not JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("neither an anomaly event nor a retry: {0}")]
    Unknown(serde_json::Error),
    #[error("the detail of `{0}` is not an anomaly: {1}")]
    NotAnAnomaly(String, serde_json::Error),
}

/// Parse one SQS body.
pub fn parse(body: &str) -> Result<Job, BadMessage> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(BadMessage::NotJson)?;
    if value.get("webhook_retry").is_some() {
        let retry: RetryMessage = serde_json::from_value(value).map_err(BadMessage::Unknown)?;
        return Ok(Job::Retry(retry.webhook_retry));
    }
    let event_value = if value.get("Type").is_some() {
        let note: SnsNotification = serde_json::from_value(value).map_err(BadMessage::Unknown)?;
        if note.kind != "Notification" {
            return Ok(Job::Ignored);
        }
        serde_json::from_str(&note.message).map_err(BadMessage::NotJson)?
    } else {
        value
    };
    let event: BusEvent = serde_json::from_value(event_value).map_err(BadMessage::Unknown)?;
    let detail_type = DetailType::parse(&event.detail_type);
    let Some(event_type) = detail_type.and_then(EventType::from_detail_type) else {
        return Ok(Job::Ignored);
    };
    let data: Anomaly = serde_json::from_value(event.detail)
        .map_err(|e| BadMessage::NotAnAnomaly(event.detail_type.clone(), e))?;
    Ok(Job::Event(Envelope {
        event_type,
        event_time: event.time,
        data,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use anomalies_core::sample::sample_anomaly;

    fn event() -> serde_json::Value {
        serde_json::json!({
            "version": "0", "id": "e1", "detail-type": "Anomaly Updated",
            "source": "access-anomalies", "time": "2026-11-24T10:00:00Z",
            "detail": sample_anomaly("alice", 0)
        })
    }

    #[test]
    fn an_sns_notification_and_a_raw_event_read_the_same() {
        // Arrange
        let wrapped = serde_json::json!({
            "Type": "Notification", "MessageId": "m1", "TopicArn": "arn:aws:sns:x:1:t",
            "Message": event().to_string()
        });

        // Act
        let a = parse(&wrapped.to_string()).unwrap();
        let b = parse(&event().to_string()).unwrap();

        // Assert
        assert_eq!(a, b);
        let Job::Event(envelope) = a else {
            panic!("not an event")
        };
        assert_eq!(envelope.event_type, EventType::AnomalyUpdated);
        assert_eq!(envelope.data.requester.id.as_str(), "alice");
    }

    #[test]
    fn a_retry_message_round_trips() {
        // Arrange
        let Job::Event(envelope) = parse(&event().to_string()).unwrap() else {
            panic!("not an event")
        };
        let delivery = Delivery {
            id: "msg_1".into(),
            tenant_id: envelope.data.tenant_id.clone(),
            webhook_id: serde_json::from_value(serde_json::json!("wh_0123456789abcdef01234567"))
                .unwrap(),
            envelope,
            first_attempt_at: Utc::now(),
        };
        let body = serde_json::to_string(&RetryMessage {
            webhook_retry: delivery.clone(),
        })
        .unwrap();

        // Act / Assert
        assert_eq!(parse(&body).unwrap(), Job::Retry(delivery));
    }

    #[test]
    fn other_events_are_ignored_and_garbage_is_named() {
        let mut other = event();
        other["detail-type"] = "Webhook Delivery Failed".into();
        assert_eq!(parse(&other.to_string()).unwrap(), Job::Ignored);
        assert!(matches!(parse("nope"), Err(BadMessage::NotJson(_))));
        let mut broken = event();
        broken["detail"] = serde_json::json!({"id": 5});
        assert!(matches!(
            parse(&broken.to_string()),
            Err(BadMessage::NotAnAnomaly(..))
        ));
    }
}

#[cfg(test)]
mod sample_tests {
    use super::*;

    #[test]
    fn the_sample_lambda_event_is_an_anomaly_notification() {
        let event: aws_lambda_events::event::sqs::SqsEvent =
            serde_json::from_str(include_str!("../../../events/lambda/webhooks-sqs.json")).unwrap();
        let body = event.records[0].body.as_deref().unwrap();
        assert!(matches!(parse(body).unwrap(), Job::Event(_)));
    }
}
