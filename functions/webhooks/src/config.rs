//! The function's configuration, read once per cold start from environment variables. A
//! missing or bad value fails the start with a message naming the variable.

pub use anomalies_core::env::EnvError as ConfigError;
use anomalies_core::env::{Env, ANOMALIES_BUS_NAME, TABLE_NAME};
use anomalies_webhooks::{SECRETS_KEY_ARN, WEBHOOK_ALLOW_PRIVATE_TARGETS, WEBHOOK_RETENTION_DAYS};

/// The function's own queue: retries are sent here with a delay.
pub const WEBHOOK_QUEUE_URL: &str = "WEBHOOK_QUEUE_URL";
/// Where deliveries go after their last attempt.
pub const WEBHOOK_DLQ_URL: &str = "WEBHOOK_DLQ_URL";
/// Requests in flight at once within one batch.
pub const WEBHOOK_CONCURRENCY: &str = "WEBHOOK_CONCURRENCY";

/// Environment variables the webhooks function reads (the infrastructure test checks the
/// template against these).
pub const REQUIRED: [&str; 5] = [
    TABLE_NAME,
    ANOMALIES_BUS_NAME,
    WEBHOOK_QUEUE_URL,
    WEBHOOK_DLQ_URL,
    SECRETS_KEY_ARN,
];
pub const OPTIONAL: [&str; 3] = [
    WEBHOOK_ALLOW_PRIVATE_TARGETS,
    WEBHOOK_RETENTION_DAYS,
    WEBHOOK_CONCURRENCY,
];

/// The IAM actions of the AWS calls this function makes (its own; the event source's polling
/// actions come on top). The template's role grants exactly these (tests/tests/infra.rs).
pub const IAM_ACTIONS: [&str; 7] = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
    "events:PutEvents",
    "kms:Decrypt",
    "sqs:SendMessage",
];

#[derive(Debug, Clone)]
pub struct WebhooksConfig {
    pub table_name: String,
    pub bus_name: String,
    /// The function's own queue: retries are sent here with a delay.
    pub queue_url: String,
    /// Where deliveries go after their last attempt.
    pub dlq_url: String,
    /// The KMS key that sealed the webhooks' secrets.
    pub secrets_key_arn: String,
    /// Admit http and private targets (development only).
    pub allow_private_targets: bool,
    /// How long attempts and ledger entries are kept.
    pub retention_days: i64,
    /// Requests in flight at once within one batch.
    pub concurrency: usize,
}

impl WebhooksConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(get);
        Ok(Self {
            table_name: env.required(TABLE_NAME)?,
            bus_name: env.required(ANOMALIES_BUS_NAME)?,
            queue_url: env.required(WEBHOOK_QUEUE_URL)?,
            dlq_url: env.required(WEBHOOK_DLQ_URL)?,
            secrets_key_arn: env.required(SECRETS_KEY_ARN)?,
            allow_private_targets: env.flag(WEBHOOK_ALLOW_PRIVATE_TARGETS)?,
            retention_days: env.positive(WEBHOOK_RETENTION_DAYS, 30)?,
            concurrency: env.positive(WEBHOOK_CONCURRENCY, 64)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_and_a_missing_queue_is_named() {
        let full = |n: &str| match n {
            "TABLE_NAME" | "ANOMALIES_BUS_NAME" | "WEBHOOK_QUEUE_URL" | "WEBHOOK_DLQ_URL"
            | "SECRETS_KEY_ARN" => Some("x".to_owned()),
            _ => None,
        };
        let config = WebhooksConfig::from_lookup(full).unwrap();
        assert!(!config.allow_private_targets);
        assert_eq!((config.retention_days, config.concurrency), (30, 64));
        let err =
            WebhooksConfig::from_lookup(|n| (n != "WEBHOOK_DLQ_URL").then(|| full(n)).flatten())
                .unwrap_err();
        assert!(err.to_string().contains("WEBHOOK_DLQ_URL"));
    }
}
