//! Wiring only: configuration, tracing, clients, and the HTTP runtime loop.

use lambda_http::{run, service_fn, Error};
use query_function::config::QueryConfig;
use query_function::{handle, Context};

#[tokio::main]
async fn main() -> Result<(), Error> {
    anomalies_core::telemetry::init();
    let config = QueryConfig::from_env()?;
    let context = Context::from_config(&config, &aws_config::load_from_env().await)?;
    run(service_fn(|request| handle(&context, request))).await
}
