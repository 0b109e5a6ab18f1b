//! Source credentials: what lets an access platform post its own events to the intake route
//! (`POST /v1/sources/{source}/events`) without a JWT. Each credential belongs to one tenant
//! and one source (Teleport, Apono, …); its token is shown once, when it is made, and only
//! its SHA-256 is stored (the secret is 32 random bytes, so a fast hash is enough: there is
//! nothing to guess). The token names its tenant and credential, so verifying it is one keyed
//! read; the tenant is trusted only once the secret matches.
//!
//! Token: `aas1.{tenant, hex}.{credential id}.{secret, 64 hex}`.

#[cfg(feature = "dynamodb")]
pub mod dynamo;
mod store;

pub use store::{MemorySources, SourceStore};

use crate::connectors::Source;
use crate::domain::TenantId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// The token's scheme prefix.
pub const TOKEN_PREFIX: &str = "aas1";
/// Credentials per tenant.
pub const MAX_PER_TENANT: usize = 50;
/// Longest name.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest token accepted (a tenant id of up to 128 characters, hex-encoded, and the rest).
pub const MAX_TOKEN_BYTES: usize = 400;

/// A credential's id: `src_` and 16 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CredentialId(String);

impl CredentialId {
    pub fn generate() -> Self {
        let bytes: [u8; 8] = rand::random();
        Self(format!("src_{}", hex::encode(bytes)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Not a credential id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a source credential id (src_ and 16 hex digits)")]
pub struct BadCredentialId(pub String);

impl TryFrom<String> for CredentialId {
    type Error = BadCredentialId;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        let ok = text
            .strip_prefix("src_")
            .is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()));
        if ok {
            Ok(Self(text))
        } else {
            Err(BadCredentialId(text))
        }
    }
}

impl From<CredentialId> for String {
    fn from(id: CredentialId) -> Self {
        id.0
    }
}

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stored credential: who may post, as which source, and the hash of its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCredential {
    pub id: CredentialId,
    pub tenant_id: TenantId,
    #[serde(with = "source_name")]
    pub source: Source,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// SHA-256 of the secret, hex.
    pub secret_sha256: String,
}

mod source_name {
    use crate::connectors::Source;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(source: &Source, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(source.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Source, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl SourceCredential {
    /// A new credential and its token (to show once).
    pub fn issue(
        tenant: &TenantId,
        source: Source,
        name: String,
        now: DateTime<Utc>,
    ) -> (Self, String) {
        let id = CredentialId::generate();
        let secret = hex::encode(rand::random::<[u8; 32]>());
        let token = format!(
            "{TOKEN_PREFIX}.{}.{id}.{secret}",
            hex::encode(tenant.as_str())
        );
        let credential = Self {
            id,
            tenant_id: tenant.clone(),
            source,
            name,
            created_at: now,
            secret_sha256: sha256_hex(&secret),
        };
        (credential, token)
    }

    /// Whether `secret` is this credential's (in constant time).
    pub fn accepts(&self, secret: &str) -> bool {
        let presented = sha256_hex(secret);
        presented
            .as_bytes()
            .ct_eq(self.secret_sha256.as_bytes())
            .into()
    }
}

/// A token as presented: the credential it names and its secret, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedToken {
    pub tenant_id: TenantId,
    pub id: CredentialId,
    pub secret: String,
}

/// Why a presented token cannot be one of ours (the message never repeats the token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a source token (expected aas1.<tenant>.<credential>.<secret>)")]
pub struct MalformedToken;

impl std::str::FromStr for PresentedToken {
    type Err = MalformedToken;
    fn from_str(token: &str) -> Result<Self, Self::Err> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(MalformedToken);
        }
        let mut parts = token.split('.');
        let (Some(TOKEN_PREFIX), Some(tenant), Some(id), Some(secret), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(MalformedToken);
        };
        let tenant = hex::decode(tenant)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| TenantId::try_from(t.as_str()).ok())
            .ok_or(MalformedToken)?;
        let id = CredentialId::try_from(id.to_owned()).map_err(|_| MalformedToken)?;
        if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(MalformedToken);
        }
        Ok(Self {
            tenant_id: tenant,
            id,
            secret: secret.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acme() -> TenantId {
        TenantId::try_from("acme.eu").unwrap()
    }

    #[test]
    fn an_issued_token_names_its_credential_and_only_its_secret_is_accepted() {
        // Arrange
        let (credential, token) =
            SourceCredential::issue(&acme(), Source::Teleport, "prod".into(), Utc::now());
        // Act
        let presented: PresentedToken = token.parse().unwrap();
        // Assert
        assert_eq!(presented.tenant_id, acme());
        assert_eq!(presented.id, credential.id);
        assert!(credential.accepts(&presented.secret));
        assert!(!credential.accepts(&"0".repeat(64)));
        assert!(!credential.secret_sha256.contains(&presented.secret));
        assert!(!token.contains(&credential.secret_sha256));
    }

    #[test]
    fn malformed_tokens_are_refused_without_echoing_them() {
        let (_, token) = SourceCredential::issue(&acme(), Source::Apono, "a".into(), Utc::now());
        for bad in [
            "",
            "Bearer x",
            &token.replacen("aas1", "aas2", 1),
            &format!("{token}.extra"),
            &token[..token.len() - 1],
            &"a".repeat(MAX_TOKEN_BYTES + 1),
        ] {
            let err = bad.parse::<PresentedToken>().unwrap_err();
            assert!(!err.to_string().contains(bad) || bad.is_empty(), "{err}");
        }
    }

    #[test]
    fn a_credential_round_trips_through_json_with_its_source_by_name() {
        let (credential, _) =
            SourceCredential::issue(&acme(), Source::CommonFate, "cf".into(), Utc::now());
        let json = serde_json::to_value(&credential).unwrap();
        assert_eq!(json["source"], "common-fate");
        let back: SourceCredential = serde_json::from_value(json).unwrap();
        assert_eq!(back, credential);
    }
}
