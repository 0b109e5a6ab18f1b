//! Wiring only: configuration, tracing, clients, and the runtime loop.

use anomalies_core::engine::Detector;
use anomalies_core::store::dynamo::client::DynamoTable;
use ingest_function::batch::Context;
use ingest_function::config::IngestConfig;
use ingest_function::handler::handle;
use ingest_function::publish::EventBridgePublisher;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    anomalies_core::telemetry::init();
    let config = IngestConfig::from_env()?;
    let aws = aws_config::load_from_env().await;
    let context = Context {
        detector: Detector::new(config.detection)?,
        retention: config.retention,
        table: DynamoTable::new(aws_sdk_dynamodb::Client::new(&aws), config.table_name),
        publisher: EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&aws),
            config.bus_name,
        ),
    };
    let context = &context;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        handle(context, event.payload).await.map_err(Error::from)
    }))
    .await
}
