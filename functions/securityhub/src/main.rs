//! Wiring only: configuration, tracing, clients, and the runtime loop.

use lambda_runtime::{run, service_fn, Error};
use securityhub_function::config::SecurityHubConfig;
use securityhub_function::{handle, Context};

#[tokio::main]
async fn main() -> Result<(), Error> {
    anomalies_core::telemetry::init();
    let config = SecurityHubConfig::from_env()?;
    let context = Context::from_config(&config, &aws_config::load_from_env().await);
    run(service_fn(|event| handle(&context, event))).await
}
