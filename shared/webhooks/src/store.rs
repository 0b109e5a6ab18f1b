//! Storage behind two narrow traits: the webhooks of each tenant with their delivery
//! attempts (the API and the webhooks function), and the delivery ledger (the function
//! only), which makes each delivery happen once per event however often the event arrives.
//! [`MemoryWebhooks`] implements both for `anomalies serve` and unit tests; the DynamoDB
//! implementation is [`crate::dynamo`].

use crate::model::{EventType, Webhook, WebhookId};
use anomalies_core::domain::TenantId;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

/// How long attempts and ledger entries are kept (the TTL).
pub const DEFAULT_RETENTION_DAYS: i64 = 30;

/// Why a store call failed: the product's one store error (a conflict is a webhook or a
/// ledger entry changed concurrently).
pub use anomalies_core::store::StoreError;

/// A stored webhook and the version that identifies this state of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub webhook: Webhook,
    pub version: u64,
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Delivered,
    /// Failed; another attempt is scheduled.
    Retrying,
    /// Failed for good (permanent error, refused target, or retries spent).
    Failed,
}

/// One recorded attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub delivery_id: String,
    pub tenant_id: TenantId,
    pub webhook_id: WebhookId,
    pub anomaly_id: String,
    pub event_type: EventType,
    pub attempt: u32,
    pub attempted_at: DateTime<Utc>,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    pub latency_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Webhooks and their attempts; every call is scoped to one tenant.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn insert(&self, webhook: &Webhook) -> Result<(), StoreError>;
    async fn list(&self, tenant: &TenantId) -> Result<Vec<Stored>, StoreError>;
    async fn get(&self, tenant: &TenantId, id: &WebhookId) -> Result<Option<Stored>, StoreError>;
    /// Replace if the stored version is still `version` ([`StoreError::Conflict`] if not).
    async fn replace(&self, webhook: &Webhook, version: u64) -> Result<(), StoreError>;
    /// True if there was such a webhook.
    async fn delete(&self, tenant: &TenantId, id: &WebhookId) -> Result<bool, StoreError>;
    async fn record(&self, attempt: &Attempt) -> Result<(), StoreError>;
    /// The latest attempts of a webhook, newest first.
    async fn attempts(
        &self,
        tenant: &TenantId,
        id: &WebhookId,
        limit: usize,
    ) -> Result<Vec<Attempt>, StoreError>;
}

/// Whether this worker may make the next attempt of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Yes: this is attempt number `attempt`.
    Claimed { attempt: u32 },
    /// Delivered or failed already.
    Settled,
    /// Another worker holds it (until its lease ends).
    Busy,
    /// A retry is scheduled for `at`.
    NotDue { at: DateTime<Utc> },
}

/// How a claimed attempt left the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    Delivered,
    Failed,
    Scheduled { at: DateTime<Utc> },
}

/// The state of each delivery, by delivery id.
#[async_trait]
pub trait DeliveryLedger: Send + Sync {
    /// Take the next attempt unless the delivery is settled, held, or not yet due.
    async fn claim(
        &self,
        delivery: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Claim, StoreError>;
    /// Record how attempt `attempt` left the delivery.
    async fn settle(
        &self,
        delivery: &str,
        attempt: u32,
        settlement: Settlement,
    ) -> Result<(), StoreError>;
}

/// The state a ledger keeps per delivery (both stores share these rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerEntry {
    pub attempts: u32,
    pub state: LedgerState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerState {
    InFlight { lease_until: DateTime<Utc> },
    Scheduled { at: DateTime<Utc> },
    Settled,
}

impl LedgerEntry {
    /// The claim an entry allows at `now`.
    pub fn claim(entry: Option<&Self>, now: DateTime<Utc>) -> Claim {
        let Some(entry) = entry else {
            return Claim::Claimed { attempt: 1 };
        };
        let next = Claim::Claimed {
            attempt: entry.attempts + 1,
        };
        match entry.state {
            LedgerState::Settled => Claim::Settled,
            LedgerState::InFlight { lease_until } if lease_until > now => Claim::Busy,
            LedgerState::InFlight { .. } => next,
            LedgerState::Scheduled { at } if at > now => Claim::NotDue { at },
            LedgerState::Scheduled { .. } => next,
        }
    }
}

/// In-memory webhooks, attempts and ledger.
#[derive(Default)]
pub struct MemoryWebhooks {
    webhooks: Mutex<HashMap<(TenantId, WebhookId), Stored>>,
    attempts: Mutex<Vec<Attempt>>,
    ledger: Mutex<HashMap<String, LedgerEntry>>,
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError::failed("memory webhooks", "a lock was poisoned")
}

#[async_trait]
impl WebhookStore for MemoryWebhooks {
    async fn insert(&self, webhook: &Webhook) -> Result<(), StoreError> {
        let mut map = self.webhooks.lock().map_err(poisoned)?;
        let key = (webhook.tenant_id.clone(), webhook.id.clone());
        if map.contains_key(&key) {
            return Err(StoreError::Conflict);
        }
        map.insert(
            key,
            Stored {
                webhook: webhook.clone(),
                version: 1,
            },
        );
        Ok(())
    }

    async fn list(&self, tenant: &TenantId) -> Result<Vec<Stored>, StoreError> {
        let map = self.webhooks.lock().map_err(poisoned)?;
        let mut list: Vec<Stored> = map
            .iter()
            .filter(|((t, _), _)| t == tenant)
            .map(|(_, s)| s.clone())
            .collect();
        list.sort_by(|a, b| a.webhook.id.cmp(&b.webhook.id));
        Ok(list)
    }

    async fn get(&self, tenant: &TenantId, id: &WebhookId) -> Result<Option<Stored>, StoreError> {
        let map = self.webhooks.lock().map_err(poisoned)?;
        Ok(map.get(&(tenant.clone(), id.clone())).cloned())
    }

    async fn replace(&self, webhook: &Webhook, version: u64) -> Result<(), StoreError> {
        let mut map = self.webhooks.lock().map_err(poisoned)?;
        match map.get_mut(&(webhook.tenant_id.clone(), webhook.id.clone())) {
            Some(stored) if stored.version == version => {
                stored.webhook = webhook.clone();
                stored.version += 1;
                Ok(())
            }
            _ => Err(StoreError::Conflict),
        }
    }

    async fn delete(&self, tenant: &TenantId, id: &WebhookId) -> Result<bool, StoreError> {
        let mut map = self.webhooks.lock().map_err(poisoned)?;
        Ok(map.remove(&(tenant.clone(), id.clone())).is_some())
    }

    async fn record(&self, attempt: &Attempt) -> Result<(), StoreError> {
        self.attempts
            .lock()
            .map_err(poisoned)?
            .push(attempt.clone());
        Ok(())
    }

    async fn attempts(
        &self,
        tenant: &TenantId,
        id: &WebhookId,
        limit: usize,
    ) -> Result<Vec<Attempt>, StoreError> {
        let all = self.attempts.lock().map_err(poisoned)?;
        let mut mine: Vec<Attempt> = all
            .iter()
            .filter(|a| &a.tenant_id == tenant && &a.webhook_id == id)
            .cloned()
            .collect();
        mine.sort_by_key(|a| std::cmp::Reverse(a.attempted_at));
        mine.truncate(limit);
        Ok(mine)
    }
}

#[async_trait]
impl DeliveryLedger for MemoryWebhooks {
    async fn claim(
        &self,
        delivery: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        let mut ledger = self.ledger.lock().map_err(poisoned)?;
        let claim = LedgerEntry::claim(ledger.get(delivery), now);
        if let Claim::Claimed { attempt } = claim {
            ledger.insert(
                delivery.to_owned(),
                LedgerEntry {
                    attempts: attempt,
                    state: LedgerState::InFlight {
                        lease_until: now + lease,
                    },
                },
            );
        }
        Ok(claim)
    }

    async fn settle(
        &self,
        delivery: &str,
        attempt: u32,
        settlement: Settlement,
    ) -> Result<(), StoreError> {
        let mut ledger = self.ledger.lock().map_err(poisoned)?;
        let entry = ledger
            .get_mut(delivery)
            .filter(|e| e.attempts == attempt)
            .ok_or(StoreError::Conflict)?;
        entry.state = match settlement {
            Settlement::Delivered | Settlement::Failed => LedgerState::Settled,
            Settlement::Scheduled { at } => LedgerState::Scheduled { at },
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[tokio::test]
    async fn a_delivery_is_claimed_once_until_settled_or_its_lease_ends() {
        // Arrange
        let ledger = MemoryWebhooks::default();
        let lease = Duration::seconds(60);

        // Act / Assert
        assert_eq!(
            ledger.claim("d", t(0), lease).await.unwrap(),
            Claim::Claimed { attempt: 1 }
        );
        assert_eq!(ledger.claim("d", t(10), lease).await.unwrap(), Claim::Busy);
        assert_eq!(
            ledger.claim("d", t(61), lease).await.unwrap(),
            Claim::Claimed { attempt: 2 }
        );
        ledger.settle("d", 2, Settlement::Delivered).await.unwrap();
        assert_eq!(
            ledger.claim("d", t(200), lease).await.unwrap(),
            Claim::Settled
        );
    }

    #[tokio::test]
    async fn a_scheduled_delivery_is_claimable_only_when_due() {
        // Arrange
        let ledger = MemoryWebhooks::default();
        let lease = Duration::seconds(60);
        ledger.claim("d", t(0), lease).await.unwrap();
        ledger
            .settle("d", 1, Settlement::Scheduled { at: t(100) })
            .await
            .unwrap();

        // Act / Assert
        assert_eq!(
            ledger.claim("d", t(50), lease).await.unwrap(),
            Claim::NotDue { at: t(100) }
        );
        assert_eq!(
            ledger.claim("d", t(100), lease).await.unwrap(),
            Claim::Claimed { attempt: 2 }
        );
    }

    #[tokio::test]
    async fn settling_a_superseded_attempt_is_a_conflict() {
        let ledger = MemoryWebhooks::default();
        ledger.claim("d", t(0), Duration::seconds(1)).await.unwrap();
        ledger.claim("d", t(5), Duration::seconds(1)).await.unwrap();
        assert!(matches!(
            ledger.settle("d", 1, Settlement::Delivered).await,
            Err(StoreError::Conflict)
        ));
    }
}
