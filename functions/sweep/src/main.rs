//! Wiring only: configuration, tracing, clients, and the runtime loop.

use anomalies_core::engine::Detector;
use anomalies_core::publish::EventBridgePublisher;
use anomalies_core::store::dynamo::client::DynamoTable;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use sweep_function::config::SweepConfig;
use sweep_function::handler::handle;
use sweep_function::sweep::Context;

#[tokio::main]
async fn main() -> Result<(), Error> {
    anomalies_core::telemetry::init();
    let config = SweepConfig::from_env()?;
    let aws = aws_config::load_from_env().await;
    let context = Context {
        detector: Detector::new(config.detection)?,
        retention: config.retention,
        table: DynamoTable::new(aws_sdk_dynamodb::Client::new(&aws), config.table_name),
        publisher: EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&aws),
            config.bus_name,
        ),
        max_groups_per_run: config.max_groups_per_run,
        lease: chrono::Duration::seconds(config.lease_seconds),
    };
    let context = &context;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        let owner = event.context.request_id.clone();
        handle(context, event.payload, &owner)
            .await
            .map(|summary| serde_json::to_value(summary).unwrap_or_default())
            .map_err(Error::from)
    }))
    .await
}
