//! The function's configuration, read once per cold start from environment variables. A
//! missing or bad value fails the start with a message naming the variable.

use anomalies_core::domain::TenantId;
pub use anomalies_core::env::EnvError as ConfigError;
use anomalies_core::env::{DetectionSettings, Env};

/// Environment variables the ingest function reads (the infrastructure test checks the
/// template sets exactly the required ones).
pub const REQUIRED: [&str; 2] = DetectionSettings::REQUIRED;
pub const OPTIONAL: [&str; 5] = [
    DetectionSettings::OPTIONAL[0],
    DetectionSettings::OPTIONAL[1],
    DetectionSettings::OPTIONAL[2],
    DetectionSettings::OPTIONAL[3],
    PLATFORM_TENANT_ID,
];

/// The tenant that platform payloads routed by the template (TEAM's topic, Glide's bus) are
/// filed under; default `default`.
pub const PLATFORM_TENANT_ID: &str = "PLATFORM_TENANT_ID";

/// The IAM actions of the AWS calls this function makes (its own; the event source's polling
/// actions come on top). The template's role grants exactly these (tests/tests/infra.rs).
pub const IAM_ACTIONS: [&str; 4] = [
    "dynamodb:BatchGetItem",
    "dynamodb:TransactWriteItems",
    "dynamodb:UpdateItem",
    "events:PutEvents",
];

#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// The table, the bus, the rules and the retention (shared with the sweep).
    pub detection: DetectionSettings,
    pub platform_tenant: TenantId,
}

impl IngestConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Read from any lookup (the environment in production, a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(get);
        let platform_tenant = match env.optional(PLATFORM_TENANT_ID) {
            None => TenantId::default_tenant(),
            Some(text) if text.contains('#') => {
                return Err(ConfigError::Invalid {
                    name: PLATFORM_TENANT_ID,
                    reason: "must not contain '#'".into(),
                })
            }
            Some(text) => TenantId::try_from(text.trim()).map_err(|e| ConfigError::Invalid {
                name: PLATFORM_TENANT_ID,
                reason: e.to_string(),
            })?,
        };
        Ok(Self {
            detection: DetectionSettings::read(&env)?,
            platform_tenant,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anomalies_core::env::TABLE_NAME;
    use anomalies_core::env::{ANOMALIES_BUS_NAME, DETECTION_CONFIG, HISTORY_RETENTION_DAYS};
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
        let c = config(&[(TABLE_NAME, "t"), (ANOMALIES_BUS_NAME, "b")]).unwrap();
        let d = &c.detection;
        assert_eq!((d.table_name.as_str(), d.bus_name.as_str()), ("t", "b"));
        assert_eq!(d.retention.history_days, 400);
    }

    #[test]
    fn a_missing_variable_is_named() {
        let err = config(&[(TABLE_NAME, "t")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable ANOMALIES_BUS_NAME is required but not set"
        );
    }

    #[test]
    fn the_platform_tenant_defaults_and_a_bad_one_is_named() {
        let required = [(TABLE_NAME, "t"), (ANOMALIES_BUS_NAME, "b")];
        assert_eq!(
            config(&required).unwrap().platform_tenant.as_str(),
            "default"
        );
        let set = config(&[required[0], required[1], (PLATFORM_TENANT_ID, "acme")]).unwrap();
        assert_eq!(set.platform_tenant.as_str(), "acme");
        let err = config(&[required[0], required[1], (PLATFORM_TENANT_ID, "a#b")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable PLATFORM_TENANT_ID is invalid: must not contain '#'"
        );
    }

    #[test]
    fn a_bad_number_of_days_is_named() {
        let err = config(&[
            (TABLE_NAME, "t"),
            (ANOMALIES_BUS_NAME, "b"),
            (HISTORY_RETENTION_DAYS, "soon"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains(HISTORY_RETENTION_DAYS));
    }

    #[test]
    fn detection_settings_come_from_json() {
        let c = config(&[
            (TABLE_NAME, "t"),
            (ANOMALIES_BUS_NAME, "b"),
            (
                DETECTION_CONFIG,
                r#"{"inactive_user": {"inactivity_days": 30}}"#,
            ),
        ])
        .unwrap();
        assert_eq!(c.detection.detection.inactive_user.inactivity_days, 30);
        let err = config(&[
            (TABLE_NAME, "t"),
            (ANOMALIES_BUS_NAME, "b"),
            (DETECTION_CONFIG, r#"{"inactive": 1}"#),
        ])
        .unwrap_err();
        assert!(err.to_string().contains(DETECTION_CONFIG));
    }
}
