//! Wiring only: configuration, tracing, clients, and the runtime loop.

use fanout_function::config::FanoutConfig;
use fanout_function::{handle, Context};
use lambda_runtime::{run, service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    anomalies_core::telemetry::init();
    let config = FanoutConfig::from_env()?;
    let context = Context::from_config(&config, &aws_config::load_from_env().await);
    run(service_fn(|event| handle(&context, event))).await
}
