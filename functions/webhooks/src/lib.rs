//! The webhooks function: for each anomaly event from the topic, deliver to every enabled,
//! matching webhook of its tenant, signed; track each delivery in the ledger, retry with
//! backoff through delayed messages on its own queue, and after the last attempt send the
//! delivery to the DLQ and announce `Webhook Delivery Failed`. The handler
//! ([`handler::handle`]) runs over the ports in [`ports`]; [`Context::from_config`] wires
//! them to AWS and HTTPS.

pub mod attempt;
pub mod aws;
pub mod batch;
pub mod config;
pub mod handler;
pub mod message;
pub mod ports;

pub use handler::{handle, Context};

use anomalies_core::bus::eventbridge::EventBridgeBus;
use anomalies_webhooks::dynamo::kms::KmsKeys;
use anomalies_webhooks::dynamo::DynamoWebhooks;
use anomalies_webhooks::retry::RetryPolicy;
use anomalies_webhooks::send::HttpSender;
use anomalies_webhooks::target::TargetPolicy;
use aws_config::SdkConfig;
use std::sync::Arc;

impl Context {
    /// The production context: webhooks and ledger on DynamoDB, the SSRF-guarded HTTPS
    /// sender, the function's queues on SQS, failures announced on EventBridge.
    pub fn from_config(
        config: &config::WebhooksConfig,
        sdk: &SdkConfig,
    ) -> Result<Self, reqwest::Error> {
        let store = Arc::new(
            DynamoWebhooks::new(
                aws_sdk_dynamodb::Client::new(sdk),
                &config.table_name,
                Arc::new(KmsKeys::new(
                    aws_sdk_kms::Client::new(sdk),
                    &config.secrets_key_arn,
                )),
            )
            .with_retention(chrono::Duration::days(config.retention_days)),
        );
        let policy = TargetPolicy {
            allow_private: config.allow_private_targets,
        };
        let queue = aws::SqsOutlets::new(
            aws_sdk_sqs::Client::new(sdk),
            config.queue_url.clone(),
            config.dlq_url.clone(),
        );
        Ok(Self {
            store: store.clone(),
            ledger: store,
            sender: Arc::new(HttpSender::new(policy)?),
            queue: Arc::new(queue),
            bus: Arc::new(EventBridgeBus::new(
                aws_sdk_eventbridge::Client::new(sdk),
                &config.bus_name,
            )),
            retry: RetryPolicy::default(),
            concurrency: config.concurrency,
        })
    }
}
