//! Detection settings: every number and keyword list the rules use, with the product's
//! defaults. Loaded from TOML or JSON (`--config`); unknown keys are errors, so a typo
//! never silently falls back to a default. `config/default.toml` in the repo is the
//! documented copy of the defaults, and a test keeps it equal to [`Config::default`].

use crate::anomaly::Severity;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Invalid { path: String, message: String },
}

/// All detection settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub high_risk_access: HighRiskConfig,
    pub approved_after_rejection: ApprovedAfterRejectionConfig,
    pub inactive_user: InactiveUserConfig,
    pub access_automation: AutomationConfig,
    pub self_approval: SelfApprovalConfig,
    /// Applies to every rule.
    pub allowlist: AllowlistConfig,
    /// Tags for resources by id or name pattern, applied before the rules
    /// ([`crate::catalog`]).
    pub catalog: Vec<crate::catalog::CatalogEntry>,
    /// What makes an event's times believable ([`crate::engine::clock`]).
    pub events: EventsConfig,
}

/// Time sanity: how far ahead of the current time an event may be dated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsConfig {
    /// An event whose `occurred_at` or `request.created_at` is more than this many hours
    /// after the current time, or whose `request.created_at` is more than this after its
    /// `occurred_at`, is rejected, naming the field.
    pub max_clock_skew_hours: u32,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            max_clock_skew_hours: 24,
        }
    }
}

/// Requester, integration and resource ids (exact or glob: `*`, `?`, `[a-z]`) whose
/// anomalies are suppressed. A resource entry suppresses an anomaly when it matches every
/// resource of the anomaly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AllowlistConfig {
    pub requesters: Vec<String>,
    pub integrations: Vec<String>,
    pub resources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HighRiskConfig {
    pub enabled: bool,
    pub severity: Severity,
    /// A resource is sensitive when its name, a tag key or a tag value contains one.
    pub sensitive_keywords: Vec<String>,
    /// A permission is elevated when it contains one.
    pub elevated_keywords: Vec<String>,
    pub allowlist: AllowlistConfig,
}

impl Default for HighRiskConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            severity: Severity::High,
            sensitive_keywords: strings(&["customer", "phi", "pii", "prod"]),
            elevated_keywords: strings(&["admin", "full access", "owner"]),
            allowlist: AllowlistConfig::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApprovedAfterRejectionConfig {
    pub enabled: bool,
    pub severity: Severity,
    /// How far back a manual rejection counts (inclusive).
    pub lookback_days: u32,
    pub allowlist: AllowlistConfig,
}

impl Default for ApprovedAfterRejectionConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            severity: Severity::High,
            lookback_days: 90,
            allowlist: AllowlistConfig::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SelfApprovalConfig {
    pub enabled: bool,
    pub severity: Severity,
    pub allowlist: AllowlistConfig,
}

impl Default for SelfApprovalConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            severity: Severity::High,
            allowlist: AllowlistConfig::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InactiveUserConfig {
    pub enabled: bool,
    pub severity: Severity,
    /// A gap strictly longer than this many days alerts.
    pub inactivity_days: u32,
    pub allowlist: AllowlistConfig,
}

impl Default for InactiveUserConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            severity: Severity::Medium,
            inactivity_days: 90,
            allowlist: AllowlistConfig::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutomationConfig {
    pub enabled: bool,
    pub severity: Severity,
    /// Used instead of `severity` when the group's scope is also high-risk.
    pub high_risk_severity: Severity,
    /// The trailing window each sweep looks at.
    pub window_hours: u32,
    /// Sweeps run at every boundary of this many minutes (UTC-aligned).
    pub sweep_interval_minutes: u32,
    pub rapid_fire_min_requests: usize,
    pub rapid_fire_max_gap_seconds: i64,
    pub cadence_min_requests: usize,
    pub cadence_max_cv: f64,
    pub renewal_min_requests: usize,
    pub renewal_max_delay_seconds: i64,
    /// The evidence lists the first and the latest this many request ids (its `count` counts
    /// them all), so an anomaly of a bot that never stops stays a bounded record.
    pub listed_requests: usize,
    pub allowlist: AllowlistConfig,
}

impl Default for AutomationConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            severity: Severity::Medium,
            high_risk_severity: Severity::High,
            window_hours: 24,
            sweep_interval_minutes: 15,
            rapid_fire_min_requests: 5,
            rapid_fire_max_gap_seconds: 300,
            cadence_min_requests: 6,
            cadence_max_cv: 0.10,
            renewal_min_requests: 3,
            renewal_max_delay_seconds: 60,
            listed_requests: 25,
            allowlist: AllowlistConfig::default(),
        }
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

impl Config {
    /// Load from a `.json` file, or TOML for any other extension.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: display.clone(),
            source,
        })?;
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let parsed = if is_json {
            Self::from_json(&text)
        } else {
            Self::from_toml(&text)
        };
        parsed.map_err(|message| ConfigError::Invalid {
            path: display,
            message,
        })
    }

    /// Parse TOML text; the error names the key that is wrong.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let config: Self = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        config.validate()
    }

    /// Parse JSON text; the error names the key that is wrong.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let mut de = serde_json::Deserializer::from_str(text);
        let config: Self = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| format!("{}: {}", e.path(), e.inner()))?;
        config.validate()
    }

    fn validate(self) -> Result<Self, String> {
        let a = &self.access_automation;
        let checks = [
            (
                a.window_hours == 0,
                "access_automation.window_hours must be at least 1",
            ),
            (
                a.sweep_interval_minutes == 0 || 1440 % a.sweep_interval_minutes != 0,
                "access_automation.sweep_interval_minutes must divide a day (1, 5, 15, 60, ...)",
            ),
            (
                a.rapid_fire_min_requests < 2,
                "access_automation.rapid_fire_min_requests must be at least 2",
            ),
            (
                a.cadence_min_requests < 3,
                "access_automation.cadence_min_requests must be at least 3",
            ),
            (
                a.renewal_min_requests < 1,
                "access_automation.renewal_min_requests must be at least 1",
            ),
            (
                a.listed_requests < 1,
                "access_automation.listed_requests must be at least 1",
            ),
            (
                !(a.cadence_max_cv >= 0.0 && a.cadence_max_cv.is_finite()),
                "access_automation.cadence_max_cv must be a non-negative number",
            ),
            (
                self.events.max_clock_skew_hours == 0,
                "events.max_clock_skew_hours must be at least 1",
            ),
        ];
        for (bad, message) in checks {
            if bad {
                return Err(message.to_owned());
            }
        }
        crate::catalog::check(&self.catalog)?;
        for pattern in self.all_allowlist_patterns() {
            glob::Pattern::new(pattern)
                .map_err(|e| format!("allowlist pattern {pattern:?}: {e}"))?;
        }
        Ok(self)
    }

    fn all_allowlist_patterns(&self) -> impl Iterator<Item = &String> {
        [
            &self.allowlist,
            &self.high_risk_access.allowlist,
            &self.approved_after_rejection.allowlist,
            &self.inactive_user.allowlist,
            &self.access_automation.allowlist,
            &self.self_approval.allowlist,
        ]
        .into_iter()
        .flat_map(|a| {
            a.requesters
                .iter()
                .chain(&a.integrations)
                .chain(&a.resources)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_default_file_equals_the_built_in_defaults() {
        let text = include_str!("../../../config/default.toml");
        assert_eq!(Config::from_toml(text).unwrap(), Config::default());
    }

    #[test]
    fn a_partial_file_keeps_defaults_for_what_it_omits() {
        let config = Config::from_toml("[inactive_user]\ninactivity_days = 30\n").unwrap();
        assert_eq!(config.inactive_user.inactivity_days, 30);
        assert_eq!(config.approved_after_rejection.lookback_days, 90);
    }

    #[test]
    fn an_unknown_key_is_an_error_naming_it() {
        let err = Config::from_toml("[inactive_user]\ninactivty_days = 30\n").unwrap_err();
        assert!(err.contains("inactivty_days"), "{err}");
    }

    #[test]
    fn json_config_errors_name_the_path() {
        let err =
            Config::from_json(r#"{"access_automation": {"window_hours": "a day"}}"#).unwrap_err();
        assert!(err.starts_with("access_automation.window_hours"), "{err}");
    }

    #[test]
    fn a_sweep_interval_that_does_not_divide_a_day_is_rejected() {
        let err =
            Config::from_toml("[access_automation]\nsweep_interval_minutes = 7\n").unwrap_err();
        assert!(err.contains("sweep_interval_minutes"), "{err}");
    }

    #[test]
    fn a_malformed_allowlist_glob_is_rejected() {
        let err = Config::from_toml("[allowlist]\nrequesters = [\"bot-[\"]\n").unwrap_err();
        assert!(err.contains("bot-["), "{err}");
    }
}
