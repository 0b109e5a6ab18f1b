//! The function's configuration, read once per cold start from environment variables. A
//! missing or bad value fails the start with a message naming the variable (never its value:
//! `CURSOR_SECRET` is a secret).

use anomalies_api::auth::{ClaimNames, ScopeRule, DEFAULT_READ_SCOPE, DEFAULT_WRITE_SCOPE};
use anomalies_api::links::LinkTemplates;
use anomalies_api::ui::{Oidc, SignIn};
use anomalies_core::env::{ANOMALIES_BUS_NAME, TABLE_NAME};
use anomalies_webhooks::{SECRETS_KEY_ARN, WEBHOOK_ALLOW_PRIVATE_TARGETS, WEBHOOK_RETENTION_DAYS};

/// The key cursors are signed with (a secret: never echoed).
pub const CURSOR_SECRET: &str = "CURSOR_SECRET";
/// The JWT claims that name the caller's tenant and the caller.
pub const TENANT_CLAIM: &str = "TENANT_CLAIM";
pub const ACTOR_CLAIM: &str = "ACTOR_CLAIM";
/// The claim holding the caller's scopes (unset: no scope rule, every valid token may read
/// and write) and the read and write scopes.
pub const SCOPE_CLAIM: &str = "SCOPE_CLAIM";
pub const READ_SCOPE: &str = "READ_SCOPE";
pub const WRITE_SCOPE: &str = "WRITE_SCOPE";
/// Links in anomaly details to the access platform (`{request_id}` etc. are filled in).
pub const REQUEST_URL_TEMPLATE: &str = "REQUEST_URL_TEMPLATE";
pub const ACCESS_FLOW_URL_TEMPLATE: &str = "ACCESS_FLOW_URL_TEMPLATE";
/// The window when a request names no time.
pub const LOOKBACK_DAYS: &str = "LOOKBACK_DAYS";
/// Most index items a facet request reads.
pub const FACET_READ_LIMIT: &str = "FACET_READ_LIMIT";
/// The page's OpenID Connect sign-in: the issuer the JWT authorizer trusts, the page's app
/// client (unset: the page has no sign-in of its own), its scopes, which token it sends, and
/// endpoints when discovery should not be used.
pub const OIDC_ISSUER: &str = "OIDC_ISSUER";
pub const PAGE_CLIENT_ID: &str = "PAGE_CLIENT_ID";
pub const PAGE_SCOPES: &str = "PAGE_SCOPES";
pub const PAGE_TOKEN_USE: &str = "PAGE_TOKEN_USE";
pub const PAGE_AUTHORIZATION_ENDPOINT: &str = "PAGE_AUTHORIZATION_ENDPOINT";
pub const PAGE_TOKEN_ENDPOINT: &str = "PAGE_TOKEN_ENDPOINT";
/// The bus the intake route (`POST /v1/sources/{source}/events`) puts translated events on
/// (unset: no intake route and no source credentials).
pub const ACCESS_EVENTS_BUS_NAME: &str = "ACCESS_EVENTS_BUS_NAME";

/// Environment variables the query function reads (the infrastructure test checks the
/// template against these).
pub const REQUIRED: [&str; 4] = [
    TABLE_NAME,
    ANOMALIES_BUS_NAME,
    CURSOR_SECRET,
    SECRETS_KEY_ARN,
];
pub const OPTIONAL: [&str; 18] = [
    ACCESS_EVENTS_BUS_NAME,
    SCOPE_CLAIM,
    READ_SCOPE,
    WRITE_SCOPE,
    OIDC_ISSUER,
    PAGE_CLIENT_ID,
    PAGE_SCOPES,
    PAGE_TOKEN_USE,
    PAGE_AUTHORIZATION_ENDPOINT,
    PAGE_TOKEN_ENDPOINT,
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
pub const IAM_ACTIONS: [&str; 8] = [
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
    "events:PutEvents",
    "kms:Decrypt",
    "kms:GenerateDataKey",
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
    /// The KMS key that seals webhook secrets.
    pub secrets_key_arn: String,
    pub claims: ClaimNames,
    pub links: LinkTemplates,
    pub lookback_days: i64,
    pub facet_read_limit: u64,
    /// Admit http and private webhook targets (development only).
    pub allow_private_targets: bool,
    /// How long delivery attempts are kept (the test endpoint records one).
    pub webhook_retention_days: i64,
    /// How the page at `/ui/` signs in.
    pub sign_in: SignIn,
    /// Where the intake route puts events (`None`: no intake).
    pub access_events_bus: Option<String>,
}

impl std::fmt::Debug for QueryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryConfig")
            .field("table_name", &self.table_name)
            .field("bus_name", &self.bus_name)
            .field("cursor_secret", &"<redacted>")
            .field("secrets_key_arn", &self.secrets_key_arn)
            .field("claims", &self.claims)
            .field("links", &self.links)
            .field("lookback_days", &self.lookback_days)
            .field("facet_read_limit", &self.facet_read_limit)
            .field("allow_private_targets", &self.allow_private_targets)
            .field("webhook_retention_days", &self.webhook_retention_days)
            .field("sign_in", &self.sign_in)
            .field("access_events_bus", &self.access_events_bus)
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
            secrets_key_arn: env.required(SECRETS_KEY_ARN)?,
            claims: ClaimNames {
                tenant: env.optional(TENANT_CLAIM).unwrap_or(defaults.tenant),
                actor: env.optional(ACTOR_CLAIM).unwrap_or(defaults.actor),
                scopes: env.optional(SCOPE_CLAIM).map(|claim| ScopeRule {
                    claim,
                    read: env
                        .optional(READ_SCOPE)
                        .unwrap_or_else(|| DEFAULT_READ_SCOPE.into()),
                    write: env
                        .optional(WRITE_SCOPE)
                        .unwrap_or_else(|| DEFAULT_WRITE_SCOPE.into()),
                }),
            },
            links: LinkTemplates {
                request: env.optional(REQUEST_URL_TEMPLATE),
                access_flow: env.optional(ACCESS_FLOW_URL_TEMPLATE),
            },
            lookback_days: env.positive(LOOKBACK_DAYS, 400)?,
            facet_read_limit: env.positive(FACET_READ_LIMIT, 50_000)?,
            allow_private_targets: env.flag(WEBHOOK_ALLOW_PRIVATE_TARGETS)?,
            webhook_retention_days: env.positive(WEBHOOK_RETENTION_DAYS, 30)?,
            sign_in: sign_in(&env)?,
            access_events_bus: env.optional(ACCESS_EVENTS_BUS_NAME),
        })
    }
}

/// An `https://` URL, or an error naming the variable.
fn https(
    env: &Env<impl Fn(&str) -> Option<String>>,
    name: &'static str,
) -> Result<Option<String>, ConfigError> {
    match env.optional(name) {
        Some(url) if !url.starts_with("https://") || url.len() <= "https://".len() => {
            Err(ConfigError::Invalid {
                name,
                reason: "must be an https:// URL".into(),
            })
        }
        other => Ok(other),
    }
}

/// The page's sign-in: OIDC when a client id is set (it then needs the issuer).
fn sign_in(env: &Env<impl Fn(&str) -> Option<String>>) -> Result<SignIn, ConfigError> {
    let Some(client_id) = env.optional(PAGE_CLIENT_ID) else {
        return Ok(SignIn::Token);
    };
    let issuer = https(env, OIDC_ISSUER)?.ok_or(ConfigError::Invalid {
        name: OIDC_ISSUER,
        reason: format!("is required when {PAGE_CLIENT_ID} is set"),
    })?;
    let token_use = env
        .optional(PAGE_TOKEN_USE)
        .unwrap_or_else(|| "id_token".into());
    if token_use != "id_token" && token_use != "access_token" {
        return Err(ConfigError::Invalid {
            name: PAGE_TOKEN_USE,
            reason: "must be id_token or access_token".into(),
        });
    }
    Ok(SignIn::Oidc(Oidc {
        issuer,
        client_id,
        scopes: env
            .optional(PAGE_SCOPES)
            .unwrap_or_else(|| "openid email".into()),
        token_use,
        authorization_endpoint: https(env, PAGE_AUTHORIZATION_ENDPOINT)?,
        token_endpoint: https(env, PAGE_TOKEN_ENDPOINT)?,
    }))
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
    const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

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
            ("SECRETS_KEY_ARN", KEY),
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

    #[test]
    fn the_page_signs_in_with_oidc_when_a_client_id_is_set() {
        // Arrange
        let base = [
            ("TABLE_NAME", "t"),
            ("ANOMALIES_BUS_NAME", "b"),
            ("CURSOR_SECRET", SECRET),
            ("SECRETS_KEY_ARN", KEY),
            (
                "OIDC_ISSUER",
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc",
            ),
        ];
        // Act / Assert: no client id, no sign-in of its own.
        let config = QueryConfig::from_lookup(lookup(&base)).unwrap();
        assert_eq!(config.sign_in, SignIn::Token);
        let mut with_client = base.to_vec();
        with_client.push(("PAGE_CLIENT_ID", "4f1client"));
        let config = QueryConfig::from_lookup(lookup(&with_client)).unwrap();
        let SignIn::Oidc(oidc) = config.sign_in else {
            panic!("expected OIDC");
        };
        assert_eq!(
            (
                oidc.client_id.as_str(),
                oidc.scopes.as_str(),
                oidc.token_use.as_str()
            ),
            ("4f1client", "openid email", "id_token")
        );
        for (name, value) in [
            ("PAGE_TOKEN_USE", "refresh_token"),
            ("PAGE_TOKEN_ENDPOINT", "http://login.example.com/token"),
            ("OIDC_ISSUER", "login.example.com"),
        ] {
            let mut bad = with_client.clone();
            bad.push((name, value));
            let err = QueryConfig::from_lookup(lookup(&bad)).unwrap_err();
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
        let no_issuer: Vec<_> = with_client
            .iter()
            .copied()
            .filter(|(n, _)| *n != "OIDC_ISSUER")
            .collect();
        let err = QueryConfig::from_lookup(lookup(&no_issuer)).unwrap_err();
        assert!(err.to_string().contains("OIDC_ISSUER"), "{err}");
    }
}
