//! The Lambda handler: a plain async function of the SQS batch over the [`Topic`] port. The
//! response lists exactly the messages to redeliver (`batchItemFailures`): those the topic
//! did not accept and those that are not anomaly events (which end in the queue's DLQ). A
//! batch never fails as a whole.

use crate::message::topic_message;
use crate::ports::Topic;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use std::convert::Infallible;
use std::sync::Arc;

/// What the handler needs besides its payload.
pub struct Context {
    pub topic: Arc<dyn Topic>,
}

/// Handle one invocation.
pub async fn handle(
    ctx: &Context,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, Infallible> {
    Ok(forward(&*ctx.topic, event.payload).await)
}

/// Forward one batch.
pub async fn forward(topic: &dyn Topic, event: SqsEvent) -> SqsBatchResponse {
    let mut failures = Vec::new();
    let mut pending = Vec::new();
    let mut forwarded = 0usize;
    for record in event.records {
        let id = record.message_id.unwrap_or_default();
        match topic_message(record.body.as_deref().unwrap_or_default()) {
            Ok(Some(message)) => pending.push((id, message)),
            Ok(None) => {}
            Err(err) => {
                tracing::error!(message_id = %id, error = %err, "rejected message");
                failures.push(id);
            }
        }
    }
    let messages: Vec<_> = pending.iter().map(|(_, m)| m.clone()).collect();
    for ((id, _), accepted) in pending.into_iter().zip(topic.publish(&messages).await) {
        if accepted {
            forwarded += 1;
        } else {
            failures.push(id);
        }
    }
    tracing::info!(forwarded, failed = failures.len(), "fan-out summary");
    SqsBatchResponse {
        batch_item_failures: failures
            .into_iter()
            .map(|item_identifier| BatchItemFailure { item_identifier })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::TopicMessage;
    use anomalies_core::sample::sample_anomaly;
    use async_trait::async_trait;
    use aws_lambda_events::event::sqs::SqsMessage;
    use std::sync::Mutex;

    /// Accepts every message except those whose body contains `refuse`.
    struct FakeTopic {
        refuse: String,
        seen: Mutex<Vec<TopicMessage>>,
    }

    #[async_trait]
    impl Topic for FakeTopic {
        async fn publish(&self, messages: &[TopicMessage]) -> Vec<bool> {
            self.seen.lock().unwrap().extend_from_slice(messages);
            messages
                .iter()
                .map(|m| !m.body.contains(&self.refuse))
                .collect()
        }
    }

    fn record(id: &str, body: String) -> SqsMessage {
        SqsMessage {
            message_id: Some(id.into()),
            body: Some(body),
            ..Default::default()
        }
    }

    fn anomaly_event(user: &str) -> String {
        serde_json::json!({
            "detail-type": "Anomaly Detected",
            "detail": sample_anomaly(user, 0)
        })
        .to_string()
    }

    #[tokio::test]
    async fn only_bad_and_unaccepted_messages_are_redelivered() {
        // Arrange
        let topic = FakeTopic {
            refuse: "bob".into(),
            seen: Mutex::default(),
        };
        let event = SqsEvent {
            records: vec![
                record("1", anomaly_event("alice")),
                record("2", anomaly_event("bob")),
                record("3", "{}".into()),
                record(
                    "4",
                    serde_json::json!({"detail-type": "Webhook Delivery Failed", "detail": {}})
                        .to_string(),
                ),
            ],
        };

        // Act
        let response = forward(&topic, event).await;

        // Assert
        let failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["3", "2"]);
        assert_eq!(topic.seen.lock().unwrap().len(), 2);
    }
}
