//! Wiring only: configuration, tracing, the SNS client, and the runtime loop.

use aws_lambda_events::event::sqs::SqsEvent;
use fanout_function::config::FanoutConfig;
use fanout_function::handler::handle;
use fanout_function::topic::SnsTopic;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    anomalies_core::telemetry::init();
    let config = FanoutConfig::from_env()?;
    let aws = aws_config::load_from_env().await;
    let topic = SnsTopic::new(aws_sdk_sns::Client::new(&aws), config.topic_arn);
    let topic = &topic;
    run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, Error>(handle(topic, event.payload).await)
    }))
    .await
}
