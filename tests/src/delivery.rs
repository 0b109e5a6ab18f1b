//! The delivery half of the stack in moto, on top of a [`Pipeline`]: a rule on the anomalies
//! bus to the fan-out queue, the anomalies topic, the webhooks queue subscribed to it, the
//! webhooks DLQ, and the fan-out and webhooks function contexts over them. Webhooks are
//! registered through the query API on the same table.

use crate::api::Harness;
use crate::pipeline::Pipeline;
use crate::*;
use anomalies_core::bus::{DetailType, MemoryBus, SOURCE};
use anomalies_webhooks::retry::RetryPolicy;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use serde_json::{json, Value};
use std::sync::Arc;
use webhooks_function::config::WebhooksConfig;
use webhooks_function::Context;

pub struct DeliveryStack {
    pub pipeline: Pipeline,
    pub fanout_queue: String,
    pub topic_arn: String,
    pub webhook_queue: String,
    pub dlq: String,
    pub api: Harness,
}

pub use crate::create_queue as queue;

/// Subscribe a queue to the topic, with a filter policy on message attributes if given.
pub async fn subscribe(config: &SdkConfig, topic: &str, queue_arn: &str, filter: Option<Value>) {
    let sns = aws_sdk_sns::Client::new(config);
    let mut request = sns
        .subscribe()
        .topic_arn(topic)
        .protocol("sqs")
        .endpoint(queue_arn);
    if let Some(filter) = filter {
        request = request.attributes("FilterPolicy", filter.to_string());
    }
    request.send().await.unwrap();
}

impl DeliveryStack {
    pub async fn new() -> Self {
        let pipeline = Pipeline::new().await;
        let config = &pipeline.config;
        let (fanout_queue, fanout_arn) = queue(config, "fanout").await;
        let eventbridge = aws_sdk_eventbridge::Client::new(config);
        let rule = unique("fanout-rule");
        let pattern = json!({
            "source": [SOURCE],
            "detail-type": [DetailType::AnomalyDetected, DetailType::AnomalyUpdated],
        });
        eventbridge
            .put_rule()
            .name(&rule)
            .event_bus_name(&pipeline.bus)
            .event_pattern(pattern.to_string())
            .send()
            .await
            .unwrap();
        let target = aws_sdk_eventbridge::types::Target::builder()
            .id("fanout")
            .arn(fanout_arn)
            .build()
            .unwrap();
        eventbridge
            .put_targets()
            .rule(&rule)
            .event_bus_name(&pipeline.bus)
            .targets(target)
            .send()
            .await
            .unwrap();
        let topic_arn = aws_sdk_sns::Client::new(config)
            .create_topic()
            .name(unique("anomalies"))
            .send()
            .await
            .unwrap()
            .topic_arn
            .unwrap();
        let (webhook_queue, webhook_arn) = queue(config, "webhooks").await;
        subscribe(config, &topic_arn, &webhook_arn, None).await;
        let (dlq, _) = queue(config, "webhooks-dlq").await;
        let bus = Arc::new(MemoryBus::default());
        let api =
            Harness::dynamo_on(&pipeline.table, &pipeline.secrets_key, bus.clone(), bus).await;
        Self {
            pipeline,
            fanout_queue,
            topic_arn,
            webhook_queue,
            dlq,
            api,
        }
    }

    /// The webhooks function's production context on this stack (private targets allowed,
    /// unless `strict`), with this retry policy.
    pub fn context(&self, retry: RetryPolicy, strict: bool) -> Context {
        let table = self.pipeline.table.as_str();
        let bus = self.pipeline.bus.as_str();
        let allow_private = if strict { "false" } else { "true" };
        let env = [
            ("TABLE_NAME", table),
            ("ANOMALIES_BUS_NAME", bus),
            ("WEBHOOK_QUEUE_URL", self.webhook_queue.as_str()),
            ("WEBHOOK_DLQ_URL", self.dlq.as_str()),
            ("SECRETS_KEY_ARN", self.pipeline.secrets_key.as_str()),
            ("WEBHOOK_ALLOW_PRIVATE_TARGETS", allow_private),
            ("WEBHOOK_CONCURRENCY", "16"),
        ];
        let lookup = |name: &str| {
            env.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        let config = WebhooksConfig::from_lookup(lookup).unwrap();
        Context {
            retry,
            ..Context::from_config(&config, &self.pipeline.config).unwrap()
        }
    }

    /// The fan-out function's production context on this stack.
    pub fn fanout(&self) -> fanout_function::Context {
        let config = fanout_function::config::FanoutConfig {
            topic_arn: self.topic_arn.clone(),
        };
        fanout_function::Context::from_config(&config, &self.pipeline.config)
    }

    /// Register a webhook through the API for tenant `acme`; returns (id, secret).
    pub async fn register(&self, body: Value) -> (String, String) {
        let reply = self
            .api
            .call(
                "POST",
                "/v1/webhooks",
                Some(("acme", "admin")),
                Some(&body.to_string()),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        (
            reply.body["id"].as_str().unwrap().to_owned(),
            reply.body["secret"].as_str().unwrap().to_owned(),
        )
    }
}

/// Take up to 10 messages from a queue (waiting briefly for them) as a Lambda SQS event.
pub async fn receive(config: &SdkConfig, queue_url: &str, wait_seconds: i32) -> SqsEvent {
    let sqs = aws_sdk_sqs::Client::new(config);
    let received = sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(10)
        .wait_time_seconds(wait_seconds)
        .send()
        .await
        .unwrap();
    let mut records = Vec::new();
    for message in received.messages.unwrap_or_default() {
        sqs.delete_message()
            .queue_url(queue_url)
            .receipt_handle(message.receipt_handle.clone().unwrap())
            .send()
            .await
            .unwrap();
        records.push(SqsMessage {
            message_id: message.message_id,
            receipt_handle: message.receipt_handle,
            body: message.body,
            ..SqsMessage::default()
        });
    }
    SqsEvent { records }
}

/// An SQS event whose bodies are SNS notifications of these bus events (as the webhooks
/// queue receives them), each with its own SNS message id.
pub fn notifications(events: &[Value]) -> SqsEvent {
    let records = events
        .iter()
        .map(|event| {
            let id = format!("sns-{}", rand::random::<u64>());
            let body = json!({
                "Type": "Notification", "MessageId": id, "TopicArn": "arn:aws:sns:us-east-1:123456789012:anomalies",
                "Message": event.to_string(), "Timestamp": "2026-11-24T10:00:00.000Z",
            });
            SqsMessage {
                message_id: Some(id),
                body: Some(body.to_string()),
                ..SqsMessage::default()
            }
        })
        .collect();
    SqsEvent { records }
}

/// A bus event for an anomaly.
pub fn bus_event(detail_type: &str, anomaly: &anomalies_core::anomaly::Anomaly) -> Value {
    json!({
        "version": "0", "id": format!("eb-{}", rand::random::<u32>()), "detail-type": detail_type,
        "source": SOURCE, "account": "123456789012", "time": "2026-11-24T10:00:00Z",
        "region": "us-east-1", "resources": [anomaly.id.as_str()], "detail": anomaly,
    })
}
