//! The delivery half of the stack in moto, on top of a [`Pipeline`]: a rule on the anomalies
//! bus to the fan-out queue, the anomalies topic, the webhooks queue subscribed to it, the
//! webhooks DLQ, and the fan-out and webhooks function contexts over them. Webhooks are
//! registered through the query API on the same table.

use crate::api::Harness;
use crate::pipeline::Pipeline;
use crate::*;
use anomalies_api::local::RecordingSink;
use anomalies_webhooks::dynamo::DynamoWebhooks;
use anomalies_webhooks::retry::RetryPolicy;
use anomalies_webhooks::send::HttpSender;
use anomalies_webhooks::target::TargetPolicy;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use serde_json::{json, Value};
use std::sync::Arc;
use webhooks_function::outlets::{EventBridgeFailures, SqsOutlets};
use webhooks_function::process::Context;

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
            "source": ["access-anomalies"],
            "detail-type": fanout_function::message::FORWARDED,
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
        let sink = Arc::new(RecordingSink::new(false));
        let api = Harness::dynamo_on(&pipeline.table, sink.clone(), sink).await;
        Self {
            pipeline,
            fanout_queue,
            topic_arn,
            webhook_queue,
            dlq,
            api,
        }
    }

    /// The webhooks function's context on this stack (private targets allowed, unless
    /// `strict`).
    pub fn context(&self, retry: RetryPolicy, strict: bool) -> Context {
        let config = &self.pipeline.config;
        let store = Arc::new(DynamoWebhooks::new(
            aws_sdk_dynamodb::Client::new(config),
            &self.pipeline.table,
        ));
        let policy = TargetPolicy {
            allow_private: !strict,
        };
        Context {
            store: store.clone(),
            ledger: store,
            sender: Arc::new(HttpSender::new(policy).unwrap()),
            queue: Arc::new(SqsOutlets::new(
                aws_sdk_sqs::Client::new(config),
                self.webhook_queue.clone(),
                self.dlq.clone(),
            )),
            failures: Arc::new(EventBridgeFailures::new(
                aws_sdk_eventbridge::Client::new(config),
                self.pipeline.bus.clone(),
            )),
            retry,
            concurrency: 16,
        }
    }

    pub fn topic(&self) -> fanout_function::topic::SnsTopic {
        fanout_function::topic::SnsTopic::new(
            aws_sdk_sns::Client::new(&self.pipeline.config),
            &self.topic_arn,
        )
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
        "source": "access-anomalies", "account": "123456789012", "time": "2026-11-24T10:00:00Z",
        "region": "us-east-1", "resources": [anomaly.id.as_str()], "detail": anomaly,
    })
}
