//! Signing secrets and the `Webhook-Signature` header: `v1=` and the hex HMAC-SHA256, keyed
//! by the secret's text, over `{Webhook-Timestamp}.{body}`. During a rotation the header
//! carries one signature per valid secret, separated by a space; a receiver accepts the
//! request if any of them matches (docs/webhooks.md has a verification snippet).

use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Prefix of every signing secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Signature scheme prefix.
pub const SCHEME: &str = "v1=";
/// How old a timestamp a receiver should accept (what the verification snippet uses).
pub const TOLERANCE_SECONDS: i64 = 300;

/// A new secret: `whsec_` and 32 random bytes, base64url.
pub fn generate() -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// A secret that was replaced, valid until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousSecret {
    pub secret: String,
    pub expires_at: DateTime<Utc>,
}

/// The current secret and, after a rotation, the previous one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningSecrets {
    current: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous: Option<PreviousSecret>,
}

impl SigningSecrets {
    pub fn new(current: String) -> Self {
        Self {
            current,
            previous: None,
        }
    }

    pub fn current(&self) -> &str {
        &self.current
    }

    pub fn rotate(&mut self, fresh: String, previous_expires_at: DateTime<Utc>) {
        let old = std::mem::replace(&mut self.current, fresh);
        self.previous = Some(PreviousSecret {
            secret: old,
            expires_at: previous_expires_at,
        });
    }

    /// The secrets to sign with at `now`: the current one, then the previous one while valid.
    pub fn valid_at(&self, now: DateTime<Utc>) -> Vec<&str> {
        let mut secrets = vec![self.current.as_str()];
        if let Some(previous) = &self.previous {
            if previous.expires_at > now {
                secrets.push(previous.secret.as_str());
            }
        }
        secrets
    }

    pub fn previous_expiry(&self) -> Option<DateTime<Utc>> {
        self.previous.as_ref().map(|p| p.expires_at)
    }
}

/// `v1=` and the hex HMAC-SHA256 of `{timestamp}.{body}` under `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = mac(secret);
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("{SCHEME}{}", hex::encode(mac.finalize().into_bytes()))
}

/// The `Webhook-Signature` value: one signature per secret, space-separated.
pub fn signature_header(secrets: &[&str], timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|secret| sign(secret, timestamp, body))
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

/// What a receiver does (in Rust): accept if the timestamp is recent and any `v1=` signature
/// matches `secret`, compared in constant time.
pub fn verify(
    secret: &str,
    header: &str,
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
        .filter_map(|h| hex::decode(h).ok())
        .any(|given| {
            let mut mac = mac(secret);
            mac.update(timestamp.to_string().as_bytes());
            mac.update(b".");
            mac.update(body);
            mac.verify_slice(&given).is_ok()
        });
    if matches {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

fn mac(secret: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this never fails.
    <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_matches_a_known_hmac_vector() {
        // python3 -c "import hmac,hashlib;print(hmac.new(b'key',b'1.{}',hashlib.sha256).hexdigest())"
        assert_eq!(
            sign("key", 1, b"{}"),
            "v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
    }

    #[test]
    fn a_signed_body_verifies_and_a_changed_one_does_not() {
        // Arrange
        let secret = generate();
        let header = signature_header(&[&secret], 1_700_000_000, b"{\"a\":1}");

        // Act / Assert
        assert_eq!(
            verify(&secret, &header, 1_700_000_000, b"{\"a\":1}", 1_700_000_010),
            Ok(())
        );
        assert_eq!(
            verify(&secret, &header, 1_700_000_000, b"{\"a\":2}", 1_700_000_010),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(&secret, &header, 1_700_000_000, b"{\"a\":1}", 1_700_001_000),
            Err(VerifyError::Stale)
        );
    }

    #[test]
    fn during_rotation_either_secret_verifies() {
        // Arrange
        let (old, new) = (generate(), generate());
        let header = signature_header(&[&new, &old], 10, b"x");

        // Act / Assert
        assert!(verify(&old, &header, 10, b"x", 10).is_ok());
        assert!(verify(&new, &header, 10, b"x", 10).is_ok());
        assert!(verify(&generate(), &header, 10, b"x", 10).is_err());
    }

    #[test]
    fn generated_secrets_are_distinct_and_prefixed() {
        let a = generate();
        assert!(a.starts_with(SECRET_PREFIX) && a.len() == SECRET_PREFIX.len() + 43);
        assert_ne!(a, generate());
    }
}
