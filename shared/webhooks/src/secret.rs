//! Signing secrets and the signature, as Standard Webhooks v1 defines them
//! (<https://www.standardwebhooks.com/>): a secret is `whsec_` and the base64 of its key
//! bytes; `webhook-signature` is `v1,` and the base64 HMAC-SHA256, keyed by those bytes, of
//! `{webhook-id}.{webhook-timestamp}.{body}`. During a rotation the header carries one
//! signature per valid secret, separated by a space; a receiver accepts the request if any
//! matches — what the reference libraries (`standardwebhooks` on PyPI, npm, Go) do.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;

/// Prefix of every signing secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Signature scheme prefix (the spec's symmetric version 1).
pub const SCHEME: &str = "v1,";
/// How far a timestamp may be from now for a receiver to accept it (the spec's five minutes).
pub const TOLERANCE_SECONDS: i64 = 300;
/// Random bytes in a new key (the spec asks for 24 to 64).
pub const KEY_BYTES: usize = 32;
/// Key lengths a secret may decode to.
const KEY_RANGE: std::ops::RangeInclusive<usize> = 24..=64;

/// A signing secret: its text (shown once, at registration or rotation) and its key bytes.
/// Secrets issued before Standard Webhooks (base64url without padding) decode to their same
/// 32 key bytes; [`Secret::standard_text`] writes them as the reference libraries read them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Secret {
    text: String,
    key: Vec<u8>,
}

/// A secret that is not `whsec_` and the base64 of 24 to 64 bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a signing secret is {SECRET_PREFIX} and the base64 of 24 to 64 bytes")]
pub struct InvalidSecret;

impl Secret {
    /// A new secret: `whsec_` and the base64 of [`KEY_BYTES`] random bytes.
    pub fn generate() -> Self {
        let key: [u8; KEY_BYTES] = rand::random();
        Self {
            text: format!("{SECRET_PREFIX}{}", STANDARD.encode(key)),
            key: key.to_vec(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The key bytes HMAC is keyed by.
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// The secret as `whsec_` and standard base64 (what it already is, unless it was issued
    /// in the older base64url form).
    pub fn standard_text(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.key))
    }
}

impl TryFrom<String> for Secret {
    type Error = InvalidSecret;
    fn try_from(text: String) -> Result<Self, InvalidSecret> {
        let encoded = text.strip_prefix(SECRET_PREFIX).ok_or(InvalidSecret)?;
        let key = STANDARD
            .decode(encoded)
            .or_else(|_| URL_SAFE_NO_PAD.decode(encoded))
            .map_err(|_| InvalidSecret)?;
        if !KEY_RANGE.contains(&key.len()) {
            return Err(InvalidSecret);
        }
        Ok(Self { text, key })
    }
}

impl From<Secret> for String {
    fn from(value: Secret) -> String {
        value.text
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// A secret that was replaced, valid until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousSecret {
    pub secret: Secret,
    pub expires_at: DateTime<Utc>,
}

/// The current secret and, after a rotation, the previous one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningSecrets {
    current: Secret,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous: Option<PreviousSecret>,
}

impl SigningSecrets {
    pub fn new(current: Secret) -> Self {
        Self {
            current,
            previous: None,
        }
    }

    pub fn current(&self) -> &Secret {
        &self.current
    }

    pub fn rotate(&mut self, fresh: Secret, previous_expires_at: DateTime<Utc>) {
        let old = std::mem::replace(&mut self.current, fresh);
        self.previous = Some(PreviousSecret {
            secret: old,
            expires_at: previous_expires_at,
        });
    }

    /// The secrets to sign with at `now`: the current one, then the previous one while valid.
    pub fn valid_at(&self, now: DateTime<Utc>) -> Vec<&Secret> {
        let mut secrets = vec![&self.current];
        if let Some(previous) = &self.previous {
            if previous.expires_at > now {
                secrets.push(&previous.secret);
            }
        }
        secrets
    }

    pub fn previous_expiry(&self) -> Option<DateTime<Utc>> {
        self.previous.as_ref().map(|p| p.expires_at)
    }
}

/// `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` under `secret`.
pub fn sign(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let mac = mac(secret, id, timestamp, body);
    format!("{SCHEME}{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` value: one signature per secret, space-separated.
pub fn signature_header(secrets: &[&Secret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|secret| sign(secret, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a signed request was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the timestamp is more than {TOLERANCE_SECONDS} seconds from now")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

/// What a receiver does (in Rust): accept if the timestamp is within the tolerance and any
/// `v1,` signature matches `secret`, compared in constant time.
pub fn verify(
    secret: &Secret,
    header: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
    now: i64,
) -> Result<(), VerifyError> {
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(VerifyError::Stale);
    }
    let matches = header
        .split_whitespace()
        .filter_map(|s| s.strip_prefix(SCHEME))
        .filter_map(|b64| STANDARD.decode(b64).ok())
        .any(|given| {
            mac(secret, id, timestamp, body)
                .verify_slice(&given)
                .is_ok()
        });
    if matches {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

fn mac(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this never fails.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.key())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests;
