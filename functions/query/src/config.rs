//! The function's configuration, read once per cold start from environment variables. A
//! missing or bad value fails the start with a message naming the variable (never its value:
//! `CURSOR_SECRET` is a secret).

use anomalies_api::auth::ClaimNames;
use anomalies_api::links::LinkTemplates;
use anomalies_core::env::{ANOMALIES_BUS_NAME, TABLE_NAME};
use anomalies_webhooks::{WEBHOOK_ALLOW_PRIVATE_TARGETS, WEBHOOK_RETENTION_DAYS};

/// The key cursors are signed with (a secret: never echoed).
pub const CURSOR_SECRET: &str = "CURSOR_SECRET";
/// The JWT claims that name the caller's tenant and the caller.
pub const TENANT_CLAIM: &str = "TENANT_CLAIM";
pub const ACTOR_CLAIM: &str = "ACTOR_CLAIM";
/// Links in anomaly details to the access platform (`{request_id}` etc. are filled in).
pub const REQUEST_URL_TEMPLATE: &str = "REQUEST_URL_TEMPLATE";
pub const ACCESS_FLOW_URL_TEMPLATE: &str = "ACCESS_FLOW_URL_TEMPLATE";
/// The window when a request names no time.
pub const LOOKBACK_DAYS: &str = "LOOKBACK_DAYS";
/// Most index items a facet request reads.
pub const FACET_READ_LIMIT: &str = "FACET_READ_LIMIT";

/// Environment variables the query function reads (the infrastructure test checks the
/// template against these).
pub const REQUIRED: [&str; 3] = [TABLE_NAME, ANOMALIES_BUS_NAME, CURSOR_SECRET];
pub const OPTIONAL: [&str; 8] = [
    WEBHOOK_ALLOW_PRIVATE_TARGETS,
    WEBHOOK_RETENTION_DAYS,
    TENANT_CLAIM,
    ACTOR_CLAIM,
    REQUEST_URL_TEMPLATE,
    ACCESS_FLOW_URL_TEMPLATE,
    LOOKBACK_DAYS,
    FACET_READ_LIMIT,
];

/// The IAM actions of the AWS calls this function makes (its own; the event source's polling
/// actions come on top). The template's role grants exactly these (tests/tests/infra.rs).
pub const IAM_ACTIONS: [&str; 6] = [
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
    "events:PutEvents",
];

/// Shortest cursor-signing secret accepted.
pub const MIN_SECRET_BYTES: usize = 32;

use anomalies_core::env::Env;
pub use anomalies_core::env::EnvError as ConfigError;

#[derive(Clone)]
pub struct QueryConfig {
    pub table_name: String,
    pub bus_name: String,
    pub cursor_secret: Vec<u8>,
    pub claims: ClaimNames,
    pub links: LinkTemplates,
    pub lookback_days: i64,
    pub facet_read_limit: u64,
    /// Admit http and private webhook targets (development only).
    pub allow_private_targets: bool,
    /// How long delivery attempts are kept (the test endpoint records one).
    pub webhook_retention_days: i64,
}

impl std::fmt::Debug for QueryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryConfig")
            .field("table_name", &self.table_name)
            .field("bus_name", &self.bus_name)
            .field("cursor_secret", &"<redacted>")
            .field("claims", &self.claims)
            .field("links", &self.links)
            .field("lookback_days", &self.lookback_days)
            .field("facet_read_limit", &self.facet_read_limit)
            .field("allow_private_targets", &self.allow_private_targets)
            .field("webhook_retention_days", &self.webhook_retention_days)
            .finish()
    }
}

impl QueryConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Read from any lookup (the environment in production, a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(get);
        let secret = env.required(CURSOR_SECRET)?;
        if secret.len() < MIN_SECRET_BYTES {
            return Err(ConfigError::Invalid {
                name: CURSOR_SECRET,
                reason: format!("must be at least {MIN_SECRET_BYTES} bytes"),
            });
        }
        let defaults = ClaimNames::default();
        Ok(Self {
            table_name: env.required(TABLE_NAME)?,
            bus_name: env.required(ANOMALIES_BUS_NAME)?,
            cursor_secret: secret.into_bytes(),
            claims: ClaimNames {
                tenant: env.optional(TENANT_CLAIM).unwrap_or(defaults.tenant),
                actor: env.optional(ACTOR_CLAIM).unwrap_or(defaults.actor),
            },
            links: LinkTemplates {
                request: env.optional(REQUEST_URL_TEMPLATE),
                access_flow: env.optional(ACCESS_FLOW_URL_TEMPLATE),
            },
            lookback_days: env.positive(LOOKBACK_DAYS, 400)?,
            facet_read_limit: env.positive(FACET_READ_LIMIT, 50_000)?,
            allow_private_targets: env.flag(WEBHOOK_ALLOW_PRIVATE_TARGETS)?,
            webhook_retention_days: env.positive(WEBHOOK_RETENTION_DAYS, 30)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn required_variables_are_named_when_missing() {
        let err = QueryConfig::from_lookup(lookup(&[("TABLE_NAME", "t")])).unwrap_err();
        assert!(err.to_string().contains("CURSOR_SECRET"));
    }

    #[test]
    fn a_short_secret_is_refused_without_echoing_it() {
        let err = QueryConfig::from_lookup(lookup(&[
            ("TABLE_NAME", "t"),
            ("ANOMALIES_BUS_NAME", "b"),
            ("CURSOR_SECRET", "hunter2"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("CURSOR_SECRET"));
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn optional_settings_have_defaults_and_are_checked() {
        let base = [
            ("TABLE_NAME", "t"),
            ("ANOMALIES_BUS_NAME", "b"),
            ("CURSOR_SECRET", SECRET),
        ];
        let config = QueryConfig::from_lookup(lookup(&base)).unwrap();
        assert_eq!(config.claims, ClaimNames::default());
        assert_eq!(config.lookback_days, 400);
        assert!(!format!("{config:?}").contains(SECRET));
        let mut bad = base.to_vec();
        bad.push(("LOOKBACK_DAYS", "-3"));
        assert!(QueryConfig::from_lookup(lookup(&bad)).is_err());
        let mut custom = base.to_vec();
        custom.push(("TENANT_CLAIM", "custom:tenant"));
        let config = QueryConfig::from_lookup(lookup(&custom)).unwrap();
        assert_eq!(config.claims.tenant, "custom:tenant");
    }
}
