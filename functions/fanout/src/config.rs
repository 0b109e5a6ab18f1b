//! The function's configuration, read once per cold start from environment variables.

use anomalies_core::env::Env;
pub use anomalies_core::env::EnvError as ConfigError;

/// The topic anomaly events are published to.
pub const ANOMALIES_TOPIC_ARN: &str = "ANOMALIES_TOPIC_ARN";

/// Environment variables the fan-out function reads (the infrastructure test checks the
/// template against these).
pub const REQUIRED: [&str; 1] = [ANOMALIES_TOPIC_ARN];
pub const OPTIONAL: [&str; 0] = [];

/// The IAM actions of the AWS calls this function makes (its own; the event source's polling
/// actions come on top). The template's role grants exactly these (tests/tests/infra.rs).
pub const IAM_ACTIONS: [&str; 1] = ["sns:Publish"];

#[derive(Debug, Clone)]
pub struct FanoutConfig {
    pub topic_arn: String,
}

impl FanoutConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(get);
        Ok(Self {
            topic_arn: env.required(ANOMALIES_TOPIC_ARN)?,
        })
    }
}
