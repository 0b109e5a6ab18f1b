//! The AWS side of this function's own port: SQS for delayed retries and the DLQ. (The
//! store, ledger, sender and bus adapters are the libraries'.)

use crate::message::RetryMessage;
use crate::ports::{DeadLetter, OutletError, RetryQueue};
use anomalies_webhooks::delivery::Delivery;
use async_trait::async_trait;

/// SQS's longest message delay.
pub const MAX_DELAY_SECONDS: u32 = 900;

fn encode<T: serde::Serialize>(operation: &'static str, value: &T) -> Result<String, OutletError> {
    serde_json::to_string(value).map_err(|e| OutletError {
        operation,
        source: Box::new(e),
    })
}

pub struct SqsOutlets {
    client: aws_sdk_sqs::Client,
    queue_url: String,
    dlq_url: String,
}

impl SqsOutlets {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: String, dlq_url: String) -> Self {
        Self {
            client,
            queue_url,
            dlq_url,
        }
    }

    async fn send(&self, url: &str, body: String, delay: u32) -> Result<(), OutletError> {
        self.client
            .send_message()
            .queue_url(url)
            .message_body(body)
            .delay_seconds(i32::try_from(delay.min(MAX_DELAY_SECONDS)).unwrap_or(0))
            .send()
            .await
            .map_err(|e| OutletError {
                operation: "SendMessage",
                source: Box::new(e),
            })?;
        Ok(())
    }
}

#[async_trait]
impl RetryQueue for SqsOutlets {
    async fn schedule(&self, delivery: &Delivery, delay_seconds: u32) -> Result<(), OutletError> {
        let body = encode(
            "SendMessage",
            &RetryMessage {
                webhook_retry: delivery.clone(),
            },
        )?;
        self.send(&self.queue_url, body, delay_seconds).await
    }

    async fn dead_letter(&self, dead: &DeadLetter) -> Result<(), OutletError> {
        self.send(&self.dlq_url, encode("SendMessage", dead)?, 0)
            .await
    }
}
