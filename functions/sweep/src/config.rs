//! The function's configuration, read once per cold start from environment variables. A
//! missing or bad value fails the start with a message naming the variable.

pub use anomalies_core::env::EnvError as ConfigError;
use anomalies_core::env::{
    DetectionSettings, Env, ANOMALY_RETENTION_DAYS, DETECTION_CONFIG, EVENT_RETENTION_DAYS,
    HISTORY_RETENTION_DAYS,
};

/// Groups one run evaluates at most before checkpointing and stopping.
pub const MAX_GROUPS_PER_RUN: &str = "MAX_GROUPS_PER_RUN";
/// How long a run holds the lease, in seconds (at least the function's timeout).
pub const LEASE_SECONDS: &str = "LEASE_SECONDS";

/// Environment variables the sweep function reads (the infrastructure test checks the
/// template against these).
pub const REQUIRED: [&str; 2] = DetectionSettings::REQUIRED;
pub const OPTIONAL: [&str; 6] = [
    DETECTION_CONFIG,
    EVENT_RETENTION_DAYS,
    HISTORY_RETENTION_DAYS,
    ANOMALY_RETENTION_DAYS,
    MAX_GROUPS_PER_RUN,
    LEASE_SECONDS,
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
    /// The table, the bus, the rules and the retention (shared with ingest).
    pub detection: DetectionSettings,
    pub max_groups_per_run: usize,
    pub lease_seconds: i64,
}

impl SweepConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Read from any lookup (the environment in production, a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(get);
        Ok(Self {
            detection: DetectionSettings::read(&env)?,
            max_groups_per_run: env.positive(MAX_GROUPS_PER_RUN, 5_000)?,
            lease_seconds: env.positive(LEASE_SECONDS, 600)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anomalies_core::env::{ANOMALIES_BUS_NAME, TABLE_NAME};

    fn lookup(extra: Option<(&'static str, &'static str)>) -> impl Fn(&str) -> Option<String> {
        move |n| match n {
            TABLE_NAME => Some("t".into()),
            ANOMALIES_BUS_NAME => Some("b".into()),
            _ => extra.filter(|(k, _)| *k == n).map(|(_, v)| v.to_owned()),
        }
    }

    #[test]
    fn defaults_and_bad_values_are_named() {
        let ok = SweepConfig::from_lookup(lookup(None)).unwrap();
        assert_eq!((ok.max_groups_per_run, ok.lease_seconds), (5_000, 600));
        let err = SweepConfig::from_lookup(lookup(Some((MAX_GROUPS_PER_RUN, "0")))).unwrap_err();
        assert!(err.to_string().contains(MAX_GROUPS_PER_RUN));
    }
}
