//! Wiring only: configuration, tracing, clients, and the runtime loop.

use aws_lambda_events::event::sqs::SqsEvent;
use fanout_function::config::FanoutConfig;
use fanout_function::{handle, Context};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    anomalies_core::telemetry::init();
    let config = FanoutConfig::from_env()?;
    let context = Context::from_config(&config, &aws_config::load_from_env().await);
    let context = &context;
    run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        handle(context, event).await
    }))
    .await
}
