//! Wiring only: configuration, tracing, clients, and the runtime loop.

use anomalies_webhooks::dynamo::DynamoWebhooks;
use anomalies_webhooks::retry::RetryPolicy;
use anomalies_webhooks::send::HttpSender;
use anomalies_webhooks::target::TargetPolicy;
use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use std::sync::Arc;
use webhooks_function::config::WebhooksConfig;
use webhooks_function::handler::handle;
use webhooks_function::outlets::{EventBridgeFailures, SqsOutlets};
use webhooks_function::process::Context;

#[tokio::main]
async fn main() -> Result<(), Error> {
    anomalies_core::telemetry::init();
    let config = WebhooksConfig::from_env()?;
    let aws = aws_config::load_from_env().await;
    let store = Arc::new(
        DynamoWebhooks::new(aws_sdk_dynamodb::Client::new(&aws), config.table_name)
            .with_retention(chrono::Duration::days(config.retention_days)),
    );
    let policy = TargetPolicy {
        allow_private: config.allow_private_targets,
    };
    let context = Context {
        store: store.clone(),
        ledger: store,
        sender: Arc::new(HttpSender::new(policy)?),
        queue: Arc::new(SqsOutlets::new(
            aws_sdk_sqs::Client::new(&aws),
            config.queue_url,
            config.dlq_url,
        )),
        failures: Arc::new(EventBridgeFailures::new(
            aws_sdk_eventbridge::Client::new(&aws),
            config.bus_name,
        )),
        retry: RetryPolicy::default(),
        concurrency: config.concurrency,
    };
    let context = &context;
    run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, Error>(handle(context, event.payload).await)
    }))
    .await
}
