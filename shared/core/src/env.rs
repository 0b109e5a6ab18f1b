//! Reading a function's settings from environment variables (or any lookup, for tests): a
//! missing or bad value is an error naming the variable, never echoing a secret's value.

use crate::config::Config;
use crate::engine::{Detector, DetectorError};
use crate::store::dynamo::snapshot::Retention;
use std::str::FromStr;

/// Why a setting could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    #[error("environment variable {0} is required but not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Settings by name; blank values count as unset.
pub struct Env<F>(pub F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    pub fn optional(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    pub fn required(&self, name: &'static str) -> Result<String, EnvError> {
        self.optional(name).ok_or(EnvError::Missing(name))
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`), or `false` when unset.
    pub fn flag(&self, name: &'static str) -> Result<bool, EnvError> {
        let Some(value) = self.optional(name) else {
            return Ok(false);
        };
        match value.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            _ => Err(EnvError::Invalid {
                name,
                reason: format!("{value:?} is not true or false"),
            }),
        }
    }

    /// A number greater than zero, or `default` when unset.
    pub fn positive<T>(&self, name: &'static str, default: T) -> Result<T, EnvError>
    where
        T: FromStr + PartialOrd + Default,
    {
        let Some(value) = self.optional(name) else {
            return Ok(default);
        };
        match value.trim().parse::<T>() {
            Ok(n) if n > T::default() => Ok(n),
            _ => Err(EnvError::Invalid {
                name,
                reason: format!("{value:?} is not a positive whole number"),
            }),
        }
    }
}

/// The table every function that touches DynamoDB reads.
pub const TABLE_NAME: &str = "TABLE_NAME";
/// The anomalies bus every function that publishes writes to.
pub const ANOMALIES_BUS_NAME: &str = "ANOMALIES_BUS_NAME";
/// The detection rules, as JSON (see `config/default.toml` for the fields).
pub const DETECTION_CONFIG: &str = "DETECTION_CONFIG";
pub const EVENT_RETENTION_DAYS: &str = "EVENT_RETENTION_DAYS";
pub const HISTORY_RETENTION_DAYS: &str = "HISTORY_RETENTION_DAYS";
pub const ANOMALY_RETENTION_DAYS: &str = "ANOMALY_RETENTION_DAYS";

/// What the ingest and sweep functions both read: the table, the anomalies bus, the rules
/// and the table's retention.
#[derive(Debug, Clone)]
pub struct DetectionSettings {
    pub table_name: String,
    pub bus_name: String,
    pub detection: Config,
    pub retention: Retention,
}

impl DetectionSettings {
    pub const REQUIRED: [&'static str; 2] = [TABLE_NAME, ANOMALIES_BUS_NAME];
    pub const OPTIONAL: [&'static str; 4] = [
        DETECTION_CONFIG,
        EVENT_RETENTION_DAYS,
        HISTORY_RETENTION_DAYS,
        ANOMALY_RETENTION_DAYS,
    ];

    pub fn read<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, EnvError> {
        let detection = match env.optional(DETECTION_CONFIG) {
            None => Config::default(),
            Some(json) => Config::from_json(&json).map_err(|reason| EnvError::Invalid {
                name: DETECTION_CONFIG,
                reason,
            })?,
        };
        let defaults = Retention::default();
        let retention = Retention {
            event_days: env.positive(EVENT_RETENTION_DAYS, defaults.event_days)?,
            history_days: env.positive(HISTORY_RETENTION_DAYS, defaults.history_days)?,
            anomaly_days: env.positive(ANOMALY_RETENTION_DAYS, defaults.anomaly_days)?,
            window_hours: i64::from(detection.access_automation.window_hours),
            rejection_days: i64::from(detection.approved_after_rejection.lookback_days) + 1,
        };
        Ok(Self {
            table_name: env.required(TABLE_NAME)?,
            bus_name: env.required(ANOMALIES_BUS_NAME)?,
            detection,
            retention,
        })
    }

    /// The detector for these rules, and the retention its writes get.
    pub fn rules(&self) -> Result<(Detector, Retention), DetectorError> {
        Ok((
            Detector::new(self.detection.clone())?,
            self.retention.clone(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> Env<impl Fn(&str) -> Option<String>> {
        Env(move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn flags_read_true_false_and_name_a_bad_value() {
        let e = env(&[("A", "true"), ("B", "0"), ("C", "maybe")]);
        assert_eq!(e.flag("A"), Ok(true));
        assert_eq!(e.flag("B"), Ok(false));
        assert_eq!(e.flag("UNSET"), Ok(false));
        assert!(e.flag("C").unwrap_err().to_string().contains("C"));
    }

    #[test]
    fn blank_counts_as_unset_and_missing_required_values_are_named() {
        let e = env(&[("A", "  "), ("B", "x")]);
        assert_eq!(e.optional("A"), None);
        assert_eq!(e.required("A"), Err(EnvError::Missing("A")));
        assert_eq!(e.required("B").as_deref(), Ok("x"));
    }

    #[test]
    fn numbers_must_be_positive() {
        let e = env(&[("N", "12"), ("Z", "0"), ("W", "soon")]);
        assert_eq!(e.positive("N", 5u64), Ok(12));
        assert_eq!(e.positive("MISSING", 5i64), Ok(5));
        assert!(e.positive("Z", 5i64).is_err());
        let err = e.positive("W", 5u64).unwrap_err().to_string();
        assert!(err.contains("W") && err.contains("soon"));
    }
}
