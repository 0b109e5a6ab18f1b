//! Wiring only: configuration, tracing, clients, and the runtime loop.

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use webhooks_function::config::WebhooksConfig;
use webhooks_function::{handle, Context};

#[tokio::main]
async fn main() -> Result<(), Error> {
    anomalies_core::telemetry::init();
    let config = WebhooksConfig::from_env()?;
    let context = Context::from_config(&config, &aws_config::load_from_env().await)?;
    let context = &context;
    run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        handle(context, event).await
    }))
    .await
}
