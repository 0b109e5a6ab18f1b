//! The function's configuration, read once per cold start from environment variables. A
//! missing or bad value fails the start with a message naming the variable.

use anomalies_core::config::Config as Detection;
pub use anomalies_core::env::EnvError as ConfigError;
use anomalies_core::env::{detection_settings, Env, DETECTION_VARIABLES};
use anomalies_core::store::dynamo::snapshot::Retention;

/// Environment variables the sweep function reads (the infrastructure test checks the
/// template against these).
pub const REQUIRED: [&str; 2] = ["TABLE_NAME", "ANOMALIES_BUS_NAME"];
pub const OPTIONAL: [&str; 6] = [
    DETECTION_VARIABLES[0],
    DETECTION_VARIABLES[1],
    DETECTION_VARIABLES[2],
    DETECTION_VARIABLES[3],
    "MAX_GROUPS_PER_RUN",
    "LEASE_SECONDS",
];

/// The IAM actions of the AWS calls this function makes (its own; the event source's polling
/// actions come on top). The template's role grants exactly these (tests/tests/infra.rs).
pub const IAM_ACTIONS: [&str; 8] = [
    "dynamodb:BatchGetItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:TransactWriteItems",
    "dynamodb:UpdateItem",
    "events:PutEvents",
];

#[derive(Debug, Clone)]
pub struct SweepConfig {
    pub table_name: String,
    pub bus_name: String,
    pub detection: Detection,
    pub retention: Retention,
    /// Groups one run evaluates at most before checkpointing and stopping.
    pub max_groups_per_run: usize,
    /// How long a run holds the lease (at least the function's timeout).
    pub lease_seconds: i64,
}

impl SweepConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Read from any lookup (the environment in production, a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(get);
        let (detection, retention) = detection_settings(&env)?;
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            bus_name: env.required("ANOMALIES_BUS_NAME")?,
            detection,
            retention,
            max_groups_per_run: env.positive("MAX_GROUPS_PER_RUN", 5_000)?,
            lease_seconds: env.positive("LEASE_SECONDS", 600)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bad_values_are_named() {
        let ok = SweepConfig::from_lookup(|n| match n {
            "TABLE_NAME" => Some("t".into()),
            "ANOMALIES_BUS_NAME" => Some("b".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!((ok.max_groups_per_run, ok.lease_seconds), (5_000, 600));
        let err = SweepConfig::from_lookup(|n| match n {
            "TABLE_NAME" => Some("t".into()),
            "ANOMALIES_BUS_NAME" => Some("b".into()),
            "MAX_GROUPS_PER_RUN" => Some("0".into()),
            _ => None,
        })
        .unwrap_err();
        assert!(err.to_string().contains("MAX_GROUPS_PER_RUN"));
    }
}
