use super::*;
use crate::model::WebhookInput;
use chrono::Utc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A key service in memory: data keys wrapped by one fixed key, bound to their context (as
/// the associated data) like KMS binds them.
#[derive(Default)]
pub(crate) struct LocalKeys {
    pub issued: AtomicUsize,
    pub decrypted: AtomicUsize,
}

const WRAPPING_KEY: [u8; 32] = [7; 32];

#[async_trait]
impl KeyService for LocalKeys {
    async fn data_key(&self, context: &EncryptionContext) -> Result<DataKey, SealError> {
        self.issued.fetch_add(1, Ordering::SeqCst);
        let plaintext: [u8; DATA_KEY_BYTES] = rand::random();
        let nonce: [u8; NONCE_BYTES] = rand::random();
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&WRAPPING_KEY));
        let aad = associated_data(context);
        let mut encrypted = nonce.to_vec();
        encrypted.extend(
            cipher
                .encrypt(
                    Nonce::from_slice(&nonce),
                    Payload {
                        msg: &plaintext,
                        aad: &aad,
                    },
                )
                .unwrap(),
        );
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
        self.decrypted.fetch_add(1, Ordering::SeqCst);
        let (nonce, wrapped) = encrypted.split_at(NONCE_BYTES);
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&WRAPPING_KEY));
        let aad = associated_data(context);
        let key = cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: wrapped,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::Corrupt("InvalidCiphertextException".into()))?;
        key.try_into()
            .map_err(|_| SealError::Corrupt("not a 32-byte key".into()))
    }
}

fn webhook(tenant: &str) -> Webhook {
    let input: WebhookInput = serde_json::from_value(serde_json::json!({
        "name": "pager", "url": "https://hooks.example/in",
        "headers": {"X-Api-Key": "header-secret-value"},
        "auth": {"type": "bearer", "token": "bearer-token-value"}
    }))
    .unwrap();
    Webhook::create(TenantId::try_from(tenant).unwrap(), input, Utc::now()).unwrap()
}

#[tokio::test]
async fn a_sealed_webhook_opens_to_its_secrets_token_and_header_values() {
    // Arrange
    let keys = LocalKeys::default();
    let hook = webhook("acme");
    // Act
    let sealed = seal(&keys, &hook).await.unwrap();
    let opened = open(&keys, &hook.tenant_id, &hook.id, &sealed)
        .await
        .unwrap();
    // Assert
    assert_eq!(opened, Confidential::of(&hook));
    assert_eq!(keys.issued.load(Ordering::SeqCst), 1);
    assert_eq!(keys.decrypted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_sealed_value_holds_no_secret_token_or_header_value_in_the_clear() {
    // Arrange
    let keys = LocalKeys::default();
    let hook = webhook("acme");
    // Act
    let text = serde_json::to_string(&seal(&keys, &hook).await.unwrap()).unwrap();
    // Assert
    for secret in [
        hook.secrets.current().as_str(),
        "bearer-token-value",
        "header-secret-value",
        "X-Api-Key",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[tokio::test]
async fn a_sealed_value_does_not_open_for_another_webhook_or_tenant() {
    // Arrange
    let keys = LocalKeys::default();
    let hook = webhook("acme");
    let other = webhook("globex");
    let sealed = seal(&keys, &hook).await.unwrap();
    // Act
    let as_other_webhook = open(&keys, &hook.tenant_id, &other.id, &sealed).await;
    let as_other_tenant = open(&keys, &other.tenant_id, &hook.id, &sealed).await;
    // Assert
    assert!(matches!(as_other_webhook, Err(SealError::Corrupt(_))));
    assert!(matches!(as_other_tenant, Err(SealError::Corrupt(_))));
}

#[tokio::test]
async fn an_altered_ciphertext_is_reported_corrupt() {
    // Arrange
    let keys = LocalKeys::default();
    let hook = webhook("acme");
    let mut sealed = seal(&keys, &hook).await.unwrap();
    let mut data = STANDARD.decode(&sealed.data).unwrap();
    data[0] ^= 1;
    sealed.data = STANDARD.encode(data);
    // Act
    let opened = open(&keys, &hook.tenant_id, &hook.id, &sealed).await;
    // Assert
    let err = opened.unwrap_err();
    assert!(matches!(err, SealError::Corrupt(_)), "{err}");
    assert!(err.to_string().contains("does not authenticate"), "{err}");
}

#[tokio::test]
async fn every_sealing_takes_a_fresh_data_key_and_nonce() {
    // Arrange
    let keys = LocalKeys::default();
    let hook = webhook("acme");
    // Act
    let first = seal(&keys, &hook).await.unwrap();
    let second = seal(&keys, &hook).await.unwrap();
    // Assert
    assert_ne!(first.key, second.key);
    assert_ne!(first.nonce, second.nonce);
    assert_ne!(first.data, second.data);
}
