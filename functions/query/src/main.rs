//! Wiring only: configuration, tracing, clients, and the HTTP runtime loop.

use anomalies_core::store::dynamo::client::DynamoTable;
use lambda_http::{run, Error};
use query_function::config::QueryConfig;
use query_function::sink::EventBridgeSink;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    anomalies_core::telemetry::init();
    let config = QueryConfig::from_env()?;
    let aws = aws_config::load_from_env().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let webhooks = query_function::webhook_api(&config, dynamodb.clone())?;
    let table = DynamoTable::new(dynamodb, config.table_name.clone());
    let sink = EventBridgeSink {
        client: aws_sdk_eventbridge::Client::new(&aws),
        bus: config.bus_name.clone(),
    };
    run(query_function::app(
        &config,
        Arc::new(table),
        Arc::new(sink),
        webhooks,
    ))
    .await
}
