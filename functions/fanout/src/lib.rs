//! The fan-out function: anomaly events from the anomalies bus (an EventBridge rule delivers
//! them to an SQS queue) are published to the anomalies SNS topic with message attributes
//! subscribers filter on. Why a function rather than a rule with the topic as its target:
//! see the README ("Fan-out"). The handler ([`handler::handle`]) runs over the port in
//! [`ports`]; [`Context::from_config`] wires it to SNS ([`aws`]).

pub mod aws;
pub mod config;
pub mod handler;
pub mod message;
pub mod ports;

pub use handler::{handle, Context};

use aws_config::SdkConfig;
use std::sync::Arc;

impl Context {
    /// The production context: the configured topic on SNS.
    pub fn from_config(config: &config::FanoutConfig, sdk: &SdkConfig) -> Self {
        let client = aws_sdk_sns::Client::new(sdk);
        Self {
            topic: Arc::new(aws::SnsTopic::new(client, &config.topic_arn)),
        }
    }
}
