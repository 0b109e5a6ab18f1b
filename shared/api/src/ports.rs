//! What the API needs from the outside: a store of anomalies and of requesters, the bus to
//! announce changes on ([`anomalies_core::bus::Bus`]), and (for `anomalies serve` only) a way
//! to take in events. The query Lambda wires DynamoDB and EventBridge; `serve` and the tests
//! wire the in-memory [`crate::local::LocalStore`] and [`anomalies_core::bus::MemoryBus`].

use anomalies_core::anomaly::Anomaly;
use anomalies_core::bus::BusError;
use anomalies_core::connectors::Source;
use anomalies_core::domain::{AnomalyId, TenantId};
use anomalies_core::query::{AnomalyFilter, Facets, Field, Page, ReadError};
use anomalies_core::store::StoreError;
use anomalies_core::triage::TriageError;
use async_trait::async_trait;
use serde::Serialize;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The change is not allowed for this anomaly.
    #[error(transparent)]
    Triage(#[from] TriageError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Read(#[from] ReadError),
}

/// A change to an anomaly, applied to the stored record (may run more than once when a
/// concurrent writer forces a retry).
pub type Edit<'a> = dyn Fn(&mut Anomaly) -> Result<(), TriageError> + Send + Sync + 'a;

/// A stored anomaly with the version that identifies this state of it.
#[derive(Debug, Clone)]
pub struct Versioned {
    pub anomaly: Anomaly,
    pub version: u64,
}

/// The anomalies of every tenant; every call is scoped to one.
#[async_trait]
pub trait Anomalies: Send + Sync {
    async fn page(
        &self,
        tenant: &TenantId,
        filter: &AnomalyFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page, RepoError>;

    async fn facets(
        &self,
        tenant: &TenantId,
        filter: &AnomalyFilter,
        field: Field,
        search: Option<&str>,
        limit: usize,
    ) -> Result<Facets, RepoError>;

    async fn get(&self, tenant: &TenantId, id: &AnomalyId) -> Result<Option<Anomaly>, RepoError>;

    /// Apply `edit` to the stored anomaly atomically; `None` if there is no such anomaly.
    async fn modify(
        &self,
        tenant: &TenantId,
        id: &AnomalyId,
        edit: &Edit<'_>,
    ) -> Result<Option<Versioned>, RepoError>;

    /// Record that the change to `version` was announced.
    async fn mark_published(
        &self,
        tenant: &TenantId,
        id: &AnomalyId,
        version: u64,
    ) -> Result<(), RepoError>;
}

/// A requester with no request for the inactivity window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DormantUser {
    pub id: String,
    pub last_request_at: chrono::DateTime<chrono::Utc>,
    pub last_request_id: String,
    /// When the sweep marked them dormant (absent where dormancy is computed on the fly).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dormant_since: Option<chrono::DateTime<chrono::Utc>>,
}

/// One page of dormant users, longest inactive first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserPage {
    pub users: Vec<DormantUser>,
    /// The position after the last user, when more follow.
    pub next: Option<String>,
}

/// The requesters of every tenant; every call is scoped to one.
#[async_trait]
pub trait Requesters: Send + Sync {
    /// Dormant requesters ordered by last request time (then id), after `after`.
    async fn dormant(
        &self,
        tenant: &TenantId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<UserPage, RepoError>;
}

/// What a pushed body of events produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IntakeReport {
    pub accepted: u64,
    pub duplicates: u64,
    /// Platform payloads that are not about access requests, skipped.
    pub ignored: u64,
    pub rejected: Vec<String>,
    /// Ids of anomalies detected or updated.
    pub anomalies: Vec<String>,
}

/// Taking in raw events (JSON, a JSON array or JSON lines, in our contract or a platform's
/// format): detected in place by `anomalies serve`, put on the access-events bus on AWS.
#[async_trait]
pub trait EventIntake: Send + Sync {
    /// Take the body in for `tenant`; an error means nothing could be queued (retry).
    async fn ingest(
        &self,
        tenant: &TenantId,
        source: Source,
        body: &[u8],
    ) -> Result<IntakeReport, BusError>;
}
