//! The Security Hub function: anomaly events from the anomalies bus (an EventBridge rule
//! delivers them to an SQS queue) are imported into AWS Security Hub as ASFF findings under
//! the account's default product, one finding per anomaly that follows its triage. The
//! handler ([`handler::handle`]) reads the batch ([`message`]) and runs over the port in
//! [`ports`]; the mapping is [`asff`];
//! [`Context::from_config`] wires it to Security Hub ([`aws`]).

pub mod asff;
pub mod aws;
pub mod config;
pub mod handler;
pub mod message;
pub mod ports;

pub use handler::{handle, Context};

use aws_config::SdkConfig;
use std::sync::Arc;

impl Context {
    /// The production context: Security Hub in the function's account and region.
    pub fn from_config(config: &config::SecurityHubConfig, sdk: &SdkConfig) -> Self {
        let client = aws_sdk_securityhub::Client::new(sdk);
        Self {
            findings: Arc::new(aws::SecurityHub::new(client)),
            product: config.product.clone(),
            page_url: config.page_url.clone(),
        }
    }
}
