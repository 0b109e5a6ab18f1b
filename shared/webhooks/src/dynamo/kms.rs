//! The key service on AWS KMS: a data key per sealing (`GenerateDataKey`, AES-256) and its
//! decryption (`Decrypt`), both under the stack's key and bound to the webhook's encryption
//! context, which KMS checks and CloudTrail records with every call.

use crate::seal::{DataKey, EncryptionContext, KeyService, SealError, DATA_KEY_BYTES};
use async_trait::async_trait;
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use aws_sdk_kms::Client;
use std::collections::HashMap;

/// KMS error codes that mean "try again later".
const TRANSIENT: [&str; 5] = [
    "ThrottlingException",
    "KMSInternalException",
    "DependencyTimeoutException",
    "KeyUnavailableException",
    "LimitExceededException",
];

/// Data keys from one KMS key (its ARN, id or alias).
#[derive(Clone)]
pub struct KmsKeys {
    client: Client,
    key_id: String,
}

impl KmsKeys {
    pub fn new(client: Client, key_id: impl Into<String>) -> Self {
        Self {
            client,
            key_id: key_id.into(),
        }
    }
}

fn as_map(context: &EncryptionContext) -> HashMap<String, String> {
    context.clone().into_iter().collect()
}

/// What a KMS failure means for the caller.
fn classify<E: ProvideErrorMetadata>(operation: &'static str, err: SdkError<E>) -> SealError {
    let transport = matches!(
        err,
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
    );
    let code = err.code().unwrap_or("").to_owned();
    let message = match err.message() {
        Some(message) => format!("{code}: {message}"),
        None if code.is_empty() => format!("{err}"),
        None => code.clone(),
    };
    if transport || TRANSIENT.contains(&code.as_str()) {
        SealError::Unavailable { operation, message }
    } else if code == "InvalidCiphertextException" {
        SealError::Corrupt(message)
    } else {
        SealError::Refused { operation, message }
    }
}

#[async_trait]
impl KeyService for KmsKeys {
    async fn data_key(&self, context: &EncryptionContext) -> Result<DataKey, SealError> {
        let out = self
            .client
            .generate_data_key()
            .key_id(&self.key_id)
            .key_spec(DataKeySpec::Aes256)
            .set_encryption_context(Some(as_map(context)))
            .send()
            .await
            .map_err(|e| classify("GenerateDataKey", e))?;
        let plaintext = out
            .plaintext()
            .and_then(|key| <[u8; DATA_KEY_BYTES]>::try_from(key.as_ref()).ok())
            .ok_or_else(|| SealError::Refused {
                operation: "GenerateDataKey",
                message: "KMS returned no 32-byte data key".into(),
            })?;
        let encrypted = out
            .ciphertext_blob()
            .map(|blob| blob.as_ref().to_vec())
            .ok_or_else(|| SealError::Refused {
                operation: "GenerateDataKey",
                message: "KMS returned no encrypted data key".into(),
            })?;
        Ok(DataKey {
            plaintext,
            encrypted,
        })
    }

    async fn decrypt_key(
        &self,
        encrypted: &[u8],
        context: &EncryptionContext,
    ) -> Result<[u8; DATA_KEY_BYTES], SealError> {
        let out = self
            .client
            .decrypt()
            .key_id(&self.key_id)
            .ciphertext_blob(Blob::new(encrypted))
            .set_encryption_context(Some(as_map(context)))
            .send()
            .await
            .map_err(|e| classify("Decrypt", e))?;
        out.plaintext()
            .and_then(|key| <[u8; DATA_KEY_BYTES]>::try_from(key.as_ref()).ok())
            .ok_or_else(|| SealError::Corrupt("the data key is not 32 bytes".into()))
    }
}
