//! Where source credentials are kept: the narrow trait, and the in-memory store behind
//! `anomalies serve` and the unit tests (DynamoDB: [`super::dynamo`]).

use super::{CredentialId, SourceCredential};
use crate::domain::TenantId;
use crate::store::StoreError;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// A tenant's source credentials; every call is scoped to one tenant.
#[async_trait]
pub trait SourceStore: Send + Sync {
    async fn insert(&self, credential: &SourceCredential) -> Result<(), StoreError>;
    /// Ordered by creation time.
    async fn list(&self, tenant: &TenantId) -> Result<Vec<SourceCredential>, StoreError>;
    async fn get(
        &self,
        tenant: &TenantId,
        id: &CredentialId,
    ) -> Result<Option<SourceCredential>, StoreError>;
    /// True if there was such a credential.
    async fn delete(&self, tenant: &TenantId, id: &CredentialId) -> Result<bool, StoreError>;
}

/// Source credentials in memory.
#[derive(Debug, Default)]
pub struct MemorySources {
    by_tenant: Mutex<BTreeMap<TenantId, BTreeMap<CredentialId, SourceCredential>>>,
}

fn poisoned() -> StoreError {
    StoreError::Failed {
        operation: "the in-memory source store",
        source: "a writer panicked while holding it".into(),
    }
}

#[async_trait]
impl SourceStore for MemorySources {
    async fn insert(&self, credential: &SourceCredential) -> Result<(), StoreError> {
        let mut all = self.by_tenant.lock().map_err(|_| poisoned())?;
        let tenant = all.entry(credential.tenant_id.clone()).or_default();
        tenant.insert(credential.id.clone(), credential.clone());
        Ok(())
    }

    async fn list(&self, tenant: &TenantId) -> Result<Vec<SourceCredential>, StoreError> {
        let all = self.by_tenant.lock().map_err(|_| poisoned())?;
        let mut list: Vec<SourceCredential> = all
            .get(tenant)
            .map(|t| t.values().cloned().collect())
            .unwrap_or_default();
        list.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(list)
    }

    async fn get(
        &self,
        tenant: &TenantId,
        id: &CredentialId,
    ) -> Result<Option<SourceCredential>, StoreError> {
        let all = self.by_tenant.lock().map_err(|_| poisoned())?;
        Ok(all.get(tenant).and_then(|t| t.get(id)).cloned())
    }

    async fn delete(&self, tenant: &TenantId, id: &CredentialId) -> Result<bool, StoreError> {
        let mut all = self.by_tenant.lock().map_err(|_| poisoned())?;
        Ok(all.get_mut(tenant).is_some_and(|t| t.remove(id).is_some()))
    }
}
