//! The function's configuration, read once per cold start from environment variables. A
//! missing or bad value fails the start with a message naming the variable.

use anomalies_core::config::Config as Detection;
use anomalies_core::store::dynamo::snapshot::Retention;

/// Environment variables the ingest function reads (the infrastructure test checks the
/// template sets exactly the required ones).
pub const REQUIRED: [&str; 2] = ["TABLE_NAME", "ANOMALIES_BUS_NAME"];
pub const OPTIONAL: [&str; 4] = DETECTION_VARIABLES;

/// The IAM actions of the AWS calls this function makes (its own; the event source's polling
/// actions come on top). The template's role grants exactly these (tests/tests/infra.rs).
pub const IAM_ACTIONS: [&str; 4] = [
    "dynamodb:BatchGetItem",
    "dynamodb:TransactWriteItems",
    "dynamodb:UpdateItem",
    "events:PutEvents",
];

pub use anomalies_core::env::EnvError as ConfigError;
use anomalies_core::env::{detection_settings, Env, DETECTION_VARIABLES};

#[derive(Debug, Clone)]
pub struct IngestConfig {
    pub table_name: String,
    pub bus_name: String,
    pub detection: Detection,
    pub retention: Retention,
}

impl IngestConfig {
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
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<IngestConfig, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        IngestConfig::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn the_required_variables_are_enough() {
        let c = config(&[("TABLE_NAME", "t"), ("ANOMALIES_BUS_NAME", "b")]).unwrap();
        assert_eq!((c.table_name.as_str(), c.bus_name.as_str()), ("t", "b"));
        assert_eq!(c.retention.history_days, 400);
    }

    #[test]
    fn a_missing_variable_is_named() {
        let err = config(&[("TABLE_NAME", "t")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable ANOMALIES_BUS_NAME is required but not set"
        );
    }

    #[test]
    fn a_bad_number_of_days_is_named() {
        let err = config(&[
            ("TABLE_NAME", "t"),
            ("ANOMALIES_BUS_NAME", "b"),
            ("HISTORY_RETENTION_DAYS", "soon"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("HISTORY_RETENTION_DAYS"));
    }

    #[test]
    fn detection_settings_come_from_json() {
        let c = config(&[
            ("TABLE_NAME", "t"),
            ("ANOMALIES_BUS_NAME", "b"),
            (
                "DETECTION_CONFIG",
                r#"{"inactive_user": {"inactivity_days": 30}}"#,
            ),
        ])
        .unwrap();
        assert_eq!(c.detection.inactive_user.inactivity_days, 30);
        let err = config(&[
            ("TABLE_NAME", "t"),
            ("ANOMALIES_BUS_NAME", "b"),
            ("DETECTION_CONFIG", r#"{"inactive": 1}"#),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("DETECTION_CONFIG"));
    }
}
