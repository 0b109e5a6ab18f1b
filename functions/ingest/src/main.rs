//! Wiring only: configuration, tracing, clients, and the runtime loop.

use ingest_function::config::IngestConfig;
use ingest_function::{handle, Context};
use lambda_runtime::{run, service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    anomalies_core::telemetry::init();
    let config = IngestConfig::from_env()?;
    let context = Context::from_config(&config, &aws_config::load_from_env().await)?;
    run(service_fn(|event| handle(&context, event))).await
}
