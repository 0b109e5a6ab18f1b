//! A webhook's confidential parts sealed for storage: its signing secrets, bearer token and
//! header values are encrypted together (AES-256-GCM) under a data key that a key service
//! (KMS, [`crate::dynamo::kms`]) issues for that one webhook and returns only encrypted. The
//! data key is bound to the webhook by an encryption context — its tenant and id — which the
//! key service checks on every decryption and which is also the cipher's associated data, so
//! a sealed value copied onto another webhook or tenant does not open.

use crate::model::{Auth, Webhook, WebhookId};
use crate::secret::SigningSecrets;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use anomalies_core::domain::TenantId;
use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bytes of an AES-256 data key.
pub const DATA_KEY_BYTES: usize = 32;
/// Bytes of an AES-GCM nonce (fresh for every sealing: each data key seals once).
const NONCE_BYTES: usize = 12;
/// The encryption context's keys.
pub const CONTEXT_TENANT: &str = "tenant_id";
pub const CONTEXT_WEBHOOK: &str = "webhook_id";

/// What a key service is asked to bind a data key to.
pub type EncryptionContext = BTreeMap<String, String>;

/// The encryption context of a webhook's data key.
pub fn context(tenant: &TenantId, webhook: &WebhookId) -> EncryptionContext {
    BTreeMap::from([
        (CONTEXT_TENANT.to_owned(), tenant.as_str().to_owned()),
        (CONTEXT_WEBHOOK.to_owned(), webhook.as_str().to_owned()),
    ])
}

/// A fresh data key: in the clear (to encrypt with, then dropped) and encrypted under the
/// service's key (to store).
pub struct DataKey {
    pub plaintext: [u8; DATA_KEY_BYTES],
    pub encrypted: Vec<u8>,
}

/// Why sealing or opening failed.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The key service is throttled or unreachable: the same call may succeed later.
    #[error("{operation} is throttled or unavailable; retry later: {message}")]
    Unavailable {
        operation: &'static str,
        message: String,
    },
    /// The key service refused (access denied, key disabled or deleted).
    #[error("{operation} was refused: {message}")]
    Refused {
        operation: &'static str,
        message: String,
    },
    /// The sealed value does not open under its context: altered, or another webhook's.
    #[error("the sealed secrets do not open for this webhook: {0}")]
    Corrupt(String),
}

/// Issues and decrypts data keys (KMS's GenerateDataKey and Decrypt).
#[async_trait]
pub trait KeyService: Send + Sync {
    async fn data_key(&self, context: &EncryptionContext) -> Result<DataKey, SealError>;
    async fn decrypt_key(
        &self,
        encrypted: &[u8],
        context: &EncryptionContext,
    ) -> Result<[u8; DATA_KEY_BYTES], SealError>;
}

/// A webhook's confidential parts, sealed together (base64 fields, as stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// The data key, encrypted by the key service.
    pub key: String,
    pub nonce: String,
    /// The AES-256-GCM ciphertext (with its tag) of [`Confidential`] as JSON.
    pub data: String,
}

/// The parts of a webhook that are secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confidential {
    pub secrets: SigningSecrets,
    pub auth: Auth,
    pub headers: BTreeMap<String, String>,
}

impl Confidential {
    pub fn of(webhook: &Webhook) -> Self {
        Self {
            secrets: webhook.secrets.clone(),
            auth: webhook.auth.clone(),
            headers: webhook.headers.clone(),
        }
    }
}

/// The cipher's associated data: the context, as the key service also checks it.
fn associated_data(context: &EncryptionContext) -> Vec<u8> {
    serde_json::to_vec(context).unwrap_or_default()
}

/// Seal `webhook`'s confidential parts under a fresh data key bound to it.
pub async fn seal(keys: &dyn KeyService, webhook: &Webhook) -> Result<Sealed, SealError> {
    let context = context(&webhook.tenant_id, &webhook.id);
    let data_key = keys.data_key(&context).await?;
    let plaintext = serde_json::to_vec(&Confidential::of(webhook))
        .map_err(|e| SealError::Corrupt(e.to_string()))?;
    let nonce: [u8; NONCE_BYTES] = rand::random();
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&data_key.plaintext));
    let aad = associated_data(&context);
    let data = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| SealError::Corrupt("AES-GCM refused to encrypt".into()))?;
    Ok(Sealed {
        key: STANDARD.encode(&data_key.encrypted),
        nonce: STANDARD.encode(nonce),
        data: STANDARD.encode(data),
    })
}

/// Open what [`seal`] sealed for the webhook `id` of `tenant`.
pub async fn open(
    keys: &dyn KeyService,
    tenant: &TenantId,
    id: &WebhookId,
    sealed: &Sealed,
) -> Result<Confidential, SealError> {
    let decode = |field: &str, text: &str| {
        STANDARD
            .decode(text)
            .map_err(|_| SealError::Corrupt(format!("{field} is not base64")))
    };
    let encrypted_key = decode("key", &sealed.key)?;
    let nonce = decode("nonce", &sealed.nonce)?;
    let data = decode("data", &sealed.data)?;
    if nonce.len() != NONCE_BYTES {
        return Err(SealError::Corrupt(format!(
            "nonce is not {NONCE_BYTES} bytes"
        )));
    }
    let context = context(tenant, id);
    let key = keys.decrypt_key(&encrypted_key, &context).await?;
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key));
    let aad = associated_data(&context);
    let plaintext = cipher
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &data,
                aad: &aad,
            },
        )
        .map_err(|_| SealError::Corrupt("the ciphertext does not authenticate".into()))?;
    serde_json::from_slice(&plaintext).map_err(|e| SealError::Corrupt(e.to_string()))
}

#[cfg(test)]
pub(crate) mod tests;
