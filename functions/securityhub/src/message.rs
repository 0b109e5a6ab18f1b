//! What arrives: an SQS batch from the anomalies bus rule, each message an EventBridge event
//! (read by [`AnomalyEvent::from_json`]). A batch is read into the latest state of each
//! anomaly it carries (Security Hub keeps one finding per anomaly), with the messages that
//! carried it, and the messages that cannot be read.

use anomalies_core::anomaly::Anomaly;
use anomalies_core::bus::received::AnomalyEvent;
use aws_lambda_events::event::sqs::SqsEvent;
use std::collections::HashMap;

/// One anomaly's latest state in a batch and the ids of every message that carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct Latest {
    pub anomaly: Anomaly,
    pub messages: Vec<String>,
}

/// A batch read: anomalies in order of first appearance, and unreadable message ids.
#[derive(Debug, Default, PartialEq)]
pub struct Batch {
    pub anomalies: Vec<Latest>,
    pub unreadable: Vec<String>,
}

/// Read a batch. Events of other detail types are dropped (they are for someone else); of
/// several events of one anomaly the one with the latest `updated_at` wins (the later
/// message on a tie).
pub fn read(event: SqsEvent) -> Batch {
    let mut batch = Batch::default();
    let mut position: HashMap<String, usize> = HashMap::new();
    for record in event.records {
        let id = record.message_id.unwrap_or_default();
        match AnomalyEvent::from_json(record.body.as_deref().unwrap_or_default()) {
            Ok(Some(AnomalyEvent { anomaly, .. })) => match position.get(anomaly.id.as_str()) {
                Some(&i) => {
                    let latest = &mut batch.anomalies[i];
                    if anomaly.updated_at >= latest.anomaly.updated_at {
                        latest.anomaly = anomaly;
                    }
                    latest.messages.push(id);
                }
                None => {
                    position.insert(anomaly.id.to_string(), batch.anomalies.len());
                    batch.anomalies.push(Latest {
                        anomaly,
                        messages: vec![id],
                    });
                }
            },
            Ok(None) => {}
            Err(err) => {
                tracing::error!(message_id = %id, error = %err, "rejected message");
                batch.unreadable.push(id);
            }
        }
    }
    batch
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use anomalies_core::anomaly::TriageStatus;
    use anomalies_core::sample::sample_anomaly;
    use aws_lambda_events::event::sqs::SqsMessage;

    /// One SQS message with this id and body.
    pub(crate) fn record(id: &str, body: String) -> SqsMessage {
        SqsMessage {
            message_id: Some(id.into()),
            body: Some(body),
            ..Default::default()
        }
    }

    /// An anomaly event as the bus rule delivers it.
    pub(crate) fn event(detail_type: &str, anomaly: &Anomaly) -> String {
        serde_json::json!({"detail-type": detail_type, "detail": anomaly}).to_string()
    }

    #[test]
    fn the_latest_state_of_each_anomaly_wins_whatever_the_order() {
        // Arrange: a resolution between a detection and its stale redelivery.
        let detected = sample_anomaly("carol", 0);
        let mut resolved = detected.clone();
        resolved.status = TriageStatus::Resolved;
        resolved.updated_at = detected.updated_at + chrono::Duration::minutes(5);
        let other = sample_anomaly("dave", 1);
        let batch = SqsEvent {
            records: vec![
                record("1", event("Anomaly Detected", &detected)),
                record("2", event("Anomaly Updated", &resolved)),
                record("3", event("Anomaly Detected", &other)),
                record("4", event("Anomaly Detected", &detected)),
            ],
        };

        // Act
        let read = read(batch);

        // Assert
        assert_eq!(read.anomalies.len(), 2);
        assert_eq!(read.anomalies[0].anomaly, resolved);
        assert_eq!(read.anomalies[0].messages, ["1", "2", "4"]);
        assert_eq!(read.anomalies[1].messages, ["3"]);
        assert!(read.unreadable.is_empty());
    }

    #[test]
    fn unreadable_messages_are_named_and_other_events_dropped() {
        let batch = SqsEvent {
            records: vec![
                record("1", "{}".into()),
                record(
                    "2",
                    serde_json::json!({"detail-type": "Webhook Delivery Failed", "detail": {}})
                        .to_string(),
                ),
            ],
        };

        let read = read(batch);

        assert_eq!(read.unreadable, ["1"]);
        assert!(read.anomalies.is_empty());
    }

    #[test]
    fn the_sample_lambda_event_is_an_importable_anomaly_event() {
        let event: SqsEvent =
            serde_json::from_str(include_str!("../../../events/lambda/securityhub-sqs.json"))
                .unwrap();
        assert_eq!(read(event).anomalies.len(), 1);
    }
}
