//! The function's configuration, read once per cold start from environment variables. A
//! missing or bad value fails the start with a message naming the variable.

use anomalies_core::config::Config as Detection;
use anomalies_core::store::dynamo::snapshot::Retention;

/// Environment variables the ingest function reads (the infrastructure test checks the
/// template sets exactly the required ones).
pub const REQUIRED: [&str; 2] = ["TABLE_NAME", "ANOMALIES_BUS_NAME"];
pub const OPTIONAL: [&str; 4] = [
    "DETECTION_CONFIG",
    "EVENT_RETENTION_DAYS",
    "HISTORY_RETENTION_DAYS",
    "ANOMALY_RETENTION_DAYS",
];

use anomalies_core::env::Env;
pub use anomalies_core::env::EnvError as ConfigError;

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
        let days = |name: &'static str, default: i64| env.positive(name, default);
        let detection = match env.optional("DETECTION_CONFIG") {
            None => Detection::default(),
            Some(json) => Detection::from_json(&json).map_err(|reason| ConfigError::Invalid {
                name: "DETECTION_CONFIG",
                reason,
            })?,
        };
        let defaults = Retention::default();
        let retention = Retention {
            event_days: days("EVENT_RETENTION_DAYS", defaults.event_days)?,
            history_days: days("HISTORY_RETENTION_DAYS", defaults.history_days)?,
            anomaly_days: days("ANOMALY_RETENTION_DAYS", defaults.anomaly_days)?,
            window_hours: i64::from(detection.access_automation.window_hours),
            rejection_days: i64::from(detection.approved_after_rejection.lookback_days) + 1,
        };
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
