//! A webhook as stored (with its secrets), as shown by the API (without them), and the
//! bodies that create and change one. Validation here is everything that needs no network;
//! the target address is checked by [`crate::target`].

use crate::format::Format;
use crate::secret::{Secret, SigningSecrets};
use anomalies_core::domain::TenantId;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

mod filters;
#[cfg(test)]
mod tests;

pub use filters::{EventType, Filters, WEBHOOK_TEST};

/// Longest webhook name.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest target URL.
pub const MAX_URL_CHARS: usize = 2048;
/// Most extra headers, and the longest header value.
pub const MAX_HEADERS: usize = 20;
pub const MAX_HEADER_VALUE: usize = 1024;
/// Most entries in one filter list.
pub const MAX_FILTER_VALUES: usize = 50;
/// Request timeout: default and maximum.
pub const DEFAULT_TIMEOUT_SECONDS: u32 = 5;
pub const MAX_TIMEOUT_SECONDS: u32 = 30;
/// How long the previous signing secret stays valid after a rotation.
pub const ROTATION_GRACE_HOURS: i64 = 24;
/// Headers the sender sets itself (or that would change how the request is framed).
const RESERVED_HEADERS: [&str; 10] = [
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "authorization",
    "user-agent",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];

/// A webhook's id: `wh_` and 24 hex digits, random.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebhookId(String);

impl WebhookId {
    pub fn generate() -> Self {
        Self(format!("wh_{}", hex::encode(rand::random::<[u8; 12]>())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for WebhookId {
    type Error = InvalidField;
    fn try_from(value: String) -> Result<Self, InvalidField> {
        let hex_part = value.strip_prefix("wh_").unwrap_or_default();
        if hex_part.len() == 24 && hex_part.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(value))
        } else {
            Err(InvalidField::new(
                "id",
                "not a webhook id (wh_ and 24 hex digits)",
            ))
        }
    }
}

impl From<WebhookId> for String {
    fn from(value: WebhookId) -> String {
        value.0
    }
}

impl fmt::Display for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A field of a webhook body that is not acceptable, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidField {
    pub field: String,
    pub message: String,
}

impl InvalidField {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The HTTP method of deliveries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    #[default]
    Post,
    Put,
}

/// How deliveries authenticate to the receiver, besides the signature. (`None {}` is a
/// struct variant so that unknown fields beside its tag are refused, as for [`Format`].)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Auth {
    None {},
    Bearer { token: String },
}

impl Default for Auth {
    fn default() -> Self {
        Self::None {}
    }
}

/// A webhook as stored, secrets included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: WebhookId,
    pub tenant_id: TenantId,
    pub name: String,
    pub enabled: bool,
    pub url: String,
    pub method: Method,
    pub headers: BTreeMap<String, String>,
    pub auth: Auth,
    pub secrets: SigningSecrets,
    pub filters: Filters,
    pub timeout_seconds: u32,
    pub format: Format,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `POST /v1/webhooks` and `PATCH /v1/webhooks/{id}`: every field optional in a patch;
/// `name` and `url` required on creation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    #[serde(default, deserialize_with = "anomalies_core::optional::present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "anomalies_core::optional::present")]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "anomalies_core::optional::present")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "anomalies_core::optional::present")]
    pub method: Option<Method>,
    #[serde(default, deserialize_with = "anomalies_core::optional::present")]
    pub headers: Option<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "anomalies_core::optional::present")]
    pub auth: Option<Auth>,
    #[serde(default, deserialize_with = "anomalies_core::optional::present")]
    pub filters: Option<Filters>,
    #[serde(default, deserialize_with = "anomalies_core::optional::present_whole")]
    pub timeout_seconds: Option<u32>,
    #[serde(default, deserialize_with = "anomalies_core::optional::present")]
    pub format: Option<Format>,
}

impl Webhook {
    /// A new webhook from a creation body, with a freshly generated signing secret.
    pub fn create(
        tenant: TenantId,
        input: WebhookInput,
        now: DateTime<Utc>,
    ) -> Result<Self, InvalidField> {
        let name = input
            .name
            .clone()
            .ok_or_else(|| InvalidField::new("name", "required"))?;
        let url = input
            .url
            .clone()
            .ok_or_else(|| InvalidField::new("url", "required"))?;
        let mut webhook = Self {
            id: WebhookId::generate(),
            tenant_id: tenant,
            name,
            enabled: true,
            url,
            method: Method::Post,
            headers: BTreeMap::new(),
            auth: Auth::None {},
            secrets: SigningSecrets::new(Secret::generate()),
            filters: Filters::default(),
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
            format: Format::Json {},
            created_at: now,
            updated_at: now,
        };
        webhook.apply(input, now)?;
        Ok(webhook)
    }

    /// Apply a patch (fields present replace the stored ones), then validate the result.
    pub fn apply(&mut self, input: WebhookInput, now: DateTime<Utc>) -> Result<(), InvalidField> {
        let WebhookInput {
            name,
            enabled,
            url,
            method,
            headers,
            auth,
            filters,
            timeout_seconds,
            format,
        } = input;
        set(&mut self.name, name);
        set(&mut self.enabled, enabled);
        set(&mut self.url, url);
        set(&mut self.method, method);
        set(&mut self.headers, headers);
        set(&mut self.auth, auth);
        set(&mut self.filters, filters);
        set(&mut self.timeout_seconds, timeout_seconds);
        set(&mut self.format, format);
        self.updated_at = now;
        self.validate()
    }

    /// Replace the signing secret; the previous one stays valid for 24 hours. Returns the
    /// new secret (the only time it is shown).
    pub fn rotate_secret(&mut self, now: DateTime<Utc>) -> String {
        let fresh = Secret::generate();
        let text = fresh.as_str().to_owned();
        self.secrets
            .rotate(fresh, now + Duration::hours(ROTATION_GRACE_HOURS));
        self.updated_at = now;
        text
    }

    fn validate(&self) -> Result<(), InvalidField> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(InvalidField::new(
                "name",
                format!("must be 1 to {MAX_NAME_CHARS} characters"),
            ));
        }
        if self.url.len() > MAX_URL_CHARS {
            return Err(InvalidField::new(
                "url",
                format!("longer than {MAX_URL_CHARS} characters"),
            ));
        }
        if !(1..=MAX_TIMEOUT_SECONDS).contains(&self.timeout_seconds) {
            return Err(InvalidField::new(
                "timeout_seconds",
                format!("must be 1 to {MAX_TIMEOUT_SECONDS}"),
            ));
        }
        validate_headers(&self.headers)?;
        if let Auth::Bearer { token } = &self.auth {
            if token.is_empty() || !header_value_ok(token) {
                return Err(InvalidField::new(
                    "auth.token",
                    "must be non-empty visible ASCII",
                ));
            }
        }
        self.filters.validate()?;
        self.format.validate()
    }

    /// The API's view: no secret, token or header value.
    pub fn view(&self) -> WebhookView {
        WebhookView {
            id: self.id.clone(),
            name: self.name.clone(),
            enabled: self.enabled,
            url: crate::target::display_url(&self.url, &self.format),
            method: self.method,
            headers: self
                .headers
                .keys()
                .map(|k| (k.clone(), REDACTED.to_owned()))
                .collect(),
            auth: match self.auth {
                Auth::None {} => AuthView::None,
                Auth::Bearer { .. } => AuthView::Bearer,
            },
            filters: self.filters.clone(),
            timeout_seconds: self.timeout_seconds,
            format: self.format.clone(),
            previous_secret_expires_at: self.secrets.previous_expiry(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// What stands in for a value that is never shown.
pub const REDACTED: &str = "********";

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

fn header_value_ok(value: &str) -> bool {
    value.len() <= MAX_HEADER_VALUE
        && value
            .bytes()
            .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
}

fn validate_headers(headers: &BTreeMap<String, String>) -> Result<(), InvalidField> {
    if headers.len() > MAX_HEADERS {
        return Err(InvalidField::new(
            "headers",
            format!("at most {MAX_HEADERS} headers"),
        ));
    }
    for (name, value) in headers {
        let token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !token {
            return Err(InvalidField::new(
                format!("headers.{name}"),
                "not a valid header name",
            ));
        }
        if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(InvalidField::new(
                format!("headers.{name}"),
                "set by the sender (use `auth` for Authorization)",
            ));
        }
        if !header_value_ok(value) {
            return Err(InvalidField::new(
                format!("headers.{name}"),
                format!("the value must be visible ASCII of at most {MAX_HEADER_VALUE} bytes"),
            ));
        }
    }
    Ok(())
}

/// How the API shows `auth`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AuthView {
    None,
    Bearer,
}

/// A webhook as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookView {
    pub id: WebhookId,
    pub name: String,
    pub enabled: bool,
    pub url: String,
    pub method: Method,
    pub headers: BTreeMap<String, String>,
    pub auth: AuthView,
    pub filters: Filters,
    pub timeout_seconds: u32,
    pub format: Format,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
