//! The AWS side of the ports: SQS for delayed retries and the DLQ, EventBridge for failure
//! events.

use crate::message::RetryMessage;
use crate::ports::{
    DeadLetter, DeliveryFailed, FailureEvents, OutletError, RetryQueue, DELIVERY_FAILED,
};
use anomalies_core::publish::SOURCE;
use anomalies_webhooks::delivery::Delivery;
use async_trait::async_trait;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

/// SQS's longest message delay.
pub const MAX_DELAY_SECONDS: u32 = 900;

fn encode<T: serde::Serialize>(operation: &'static str, value: &T) -> Result<String, OutletError> {
    serde_json::to_string(value).map_err(|e| OutletError {
        operation,
        message: e.to_string(),
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
                message: aws_sdk_sqs::error::DisplayErrorContext(&e).to_string(),
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

pub struct EventBridgeFailures {
    client: aws_sdk_eventbridge::Client,
    bus: String,
}

impl EventBridgeFailures {
    pub fn new(client: aws_sdk_eventbridge::Client, bus: String) -> Self {
        Self { client, bus }
    }
}

#[async_trait]
impl FailureEvents for EventBridgeFailures {
    async fn delivery_failed(&self, failure: &DeliveryFailed) -> Result<(), OutletError> {
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(SOURCE)
            .detail_type(DELIVERY_FAILED)
            .resources(failure.anomaly_id.as_str())
            .detail(encode("PutEvents", failure)?)
            .build();
        let output = self
            .client
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|e| OutletError {
                operation: "PutEvents",
                message: aws_sdk_eventbridge::error::DisplayErrorContext(&e).to_string(),
            })?;
        if output.failed_entry_count > 0 {
            return Err(OutletError {
                operation: "PutEvents",
                message: "the entry was refused".into(),
            });
        }
        Ok(())
    }
}
