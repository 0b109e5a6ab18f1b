//! The AWS side of the port: the anomalies topic on SNS — PublishBatch in chunks of its limit
//! of 10 entries, string message attributes, and per-entry results.

use crate::message::TopicMessage;
use crate::ports::Topic;
use async_trait::async_trait;
use aws_sdk_sns::types::{MessageAttributeValue, PublishBatchRequestEntry};
use aws_sdk_sns::Client;

/// PublishBatch takes at most 10 entries per request.
pub const PUBLISH_BATCH_LIMIT: usize = 10;

pub struct SnsTopic {
    client: Client,
    arn: String,
}

impl SnsTopic {
    pub fn new(client: Client, arn: impl Into<String>) -> Self {
        Self {
            client,
            arn: arn.into(),
        }
    }

    fn entry(index: usize, message: &TopicMessage) -> Option<PublishBatchRequestEntry> {
        let mut entry = PublishBatchRequestEntry::builder()
            .id(index.to_string())
            .message(&message.body);
        for (name, value) in &message.attributes {
            // SNS rejects empty attribute values; an empty one is simply left out.
            if value.is_empty() {
                continue;
            }
            let attribute = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .ok()?;
            entry = entry.message_attributes(*name, attribute);
        }
        entry.build().ok()
    }

    async fn send(&self, chunk: &[TopicMessage]) -> Vec<bool> {
        let entries: Option<Vec<_>> = chunk
            .iter()
            .enumerate()
            .map(|(i, m)| Self::entry(i, m))
            .collect();
        let Some(entries) = entries else {
            return vec![false; chunk.len()];
        };
        match self
            .client
            .publish_batch()
            .topic_arn(&self.arn)
            .set_publish_batch_request_entries(Some(entries))
            .send()
            .await
        {
            Ok(output) => {
                let mut accepted = vec![false; chunk.len()];
                for ok in output.successful.unwrap_or_default() {
                    if let Some(slot) = ok.id.and_then(|id| id.parse::<usize>().ok()) {
                        if let Some(flag) = accepted.get_mut(slot) {
                            *flag = true;
                        }
                    }
                }
                for failed in output.failed.unwrap_or_default() {
                    tracing::warn!(id = %failed.id, code = %failed.code, "SNS refused an entry");
                }
                accepted
            }
            Err(err) => {
                tracing::warn!(error = %aws_sdk_sns::error::DisplayErrorContext(&err), "PublishBatch failed");
                vec![false; chunk.len()]
            }
        }
    }
}

#[async_trait]
impl Topic for SnsTopic {
    async fn publish(&self, messages: &[TopicMessage]) -> Vec<bool> {
        let mut accepted = Vec::with_capacity(messages.len());
        for chunk in messages.chunks(PUBLISH_BATCH_LIMIT) {
            accepted.extend(self.send(chunk).await);
        }
        accepted
    }
}
