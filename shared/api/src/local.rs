//! The embedded store behind `anomalies serve`, the tests and the benchmarks: the detector on
//! the in-memory store, read through the same query engine as DynamoDB, and the one way to
//! assemble the API on it ([`LocalStore::app_state`]).

use crate::auth::Auth;
use crate::cursor::CursorKey;
use crate::intake::read;
use crate::ports::{
    Anomalies, DormantUser, Edit, EventIntake, IntakeReport, RepoError, Requesters, UserPage,
    Versioned,
};
use crate::routes::sources::SourceApi;
use crate::routes::AppState;
use anomalies_core::anomaly::Anomaly;
use anomalies_core::bus::Bus;
use anomalies_core::bus::BusError;
use anomalies_core::connectors::Source;
use anomalies_core::domain::{AnomalyId, TenantId};
use anomalies_core::engine::{complete, Detector, Outcome, SweepScope};
use anomalies_core::query::{self, AnomalyFilter, Facets, Field, Page};
use anomalies_core::sources::MemorySources;
use anomalies_core::store::dynamo::keys::sortable_time;
use anomalies_core::store::{AnomalyStore, MemoryStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tokio::sync::RwLock;

/// Most index items a facet request reads before answering with `truncated: true`.
pub const FACET_READ_LIMIT: u64 = 200_000;

struct Local {
    detector: Detector,
    store: MemoryStore,
    /// The event clock: the latest `occurred_at` seen (detections are timed by events, as in
    /// `anomalies replay`).
    clock: Option<DateTime<Utc>>,
}

/// The in-memory store.
pub struct LocalStore {
    inner: RwLock<Local>,
}

impl LocalStore {
    pub fn new(detector: Detector, mut store: MemoryStore) -> Self {
        store.enable_query_index();
        Self {
            inner: RwLock::new(Local {
                detector,
                store,
                clock: None,
            }),
        }
    }

    /// Store an anomaly as is (seeding tests and benchmarks).
    pub async fn put(&self, anomaly: Anomaly) {
        self.inner.write().await.store.put_anomaly(anomaly);
    }

    pub async fn anomaly_count(&self) -> usize {
        self.inner.read().await.store.anomaly_count()
    }

    /// The API on this store: anomalies, requesters and (with `intake`) `POST /v1/events`
    /// and the source-credential and intake routes (credentials in memory), changes
    /// announced on `bus`. Callers add links, lookback and webhooks.
    pub fn app_state(
        self: &Arc<Self>,
        bus: Arc<dyn Bus>,
        auth: Auth,
        cursor_key: CursorKey,
        intake: bool,
    ) -> AppState {
        let mut state = AppState::new(self.clone(), self.clone(), bus, auth, cursor_key);
        if intake {
            state.intake = Some(self.clone());
            state = state.with_sources(SourceApi {
                store: Arc::new(MemorySources::default()),
                intake: self.clone(),
            });
        }
        state
    }
}

#[async_trait]
impl Anomalies for LocalStore {
    async fn page(
        &self,
        tenant: &TenantId,
        filter: &AnomalyFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page, RepoError> {
        let local = self.inner.read().await;
        Ok(query::page(&local.store, tenant, filter, after, limit).await?)
    }

    async fn facets(
        &self,
        tenant: &TenantId,
        filter: &AnomalyFilter,
        field: Field,
        search: Option<&str>,
        limit: usize,
    ) -> Result<Facets, RepoError> {
        let local = self.inner.read().await;
        let store = &local.store;
        let result = query::facets(
            store,
            tenant,
            filter,
            field,
            search,
            limit,
            FACET_READ_LIMIT,
        );
        Ok(result.await?)
    }

    async fn get(&self, tenant: &TenantId, id: &AnomalyId) -> Result<Option<Anomaly>, RepoError> {
        let local = self.inner.read().await;
        Ok(local.store.tenant_anomaly(tenant, id).cloned())
    }

    async fn modify(
        &self,
        tenant: &TenantId,
        id: &AnomalyId,
        edit: &Edit<'_>,
    ) -> Result<Option<Versioned>, RepoError> {
        let mut local = self.inner.write().await;
        let Some(mut anomaly) = local.store.tenant_anomaly(tenant, id).cloned() else {
            return Ok(None);
        };
        edit(&mut anomaly)?;
        local.store.put_anomaly(anomaly.clone());
        Ok(Some(Versioned {
            anomaly,
            version: 0,
        }))
    }

    async fn mark_published(&self, _: &TenantId, _: &AnomalyId, _: u64) -> Result<(), RepoError> {
        Ok(())
    }
}

#[async_trait]
impl Requesters for LocalStore {
    /// Dormant as of the event clock (the latest request seen): computed, not swept.
    async fn dormant(
        &self,
        tenant: &TenantId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<UserPage, RepoError> {
        let local = self.inner.read().await;
        let Some(now) = local.clock.or_else(|| local.store.latest_activity()) else {
            return Ok(UserPage::default());
        };
        let days = i64::from(local.detector.config().inactive_user.inactivity_days);
        let cutoff = now - chrono::Duration::days(days);
        let mut dormant: Vec<(String, DormantUser)> = local
            .store
            .activities(tenant)
            .into_iter()
            .filter(|(_, a)| a.created_at < cutoff)
            .map(|(user, a)| {
                let position = format!("{}#{user}", sortable_time(a.created_at));
                let entry = DormantUser {
                    id: user.to_string(),
                    last_request_at: a.created_at,
                    last_request_id: a.request_id.to_string(),
                    dormant_since: None,
                };
                (position, entry)
            })
            .filter(|(position, _)| after.is_none_or(|after| position.as_str() > after))
            .collect();
        dormant.sort_by(|a, b| a.0.cmp(&b.0));
        let more = dormant.len() > limit;
        dormant.truncate(limit);
        let next = if more {
            dormant.last().map(|(p, _)| p.clone())
        } else {
            None
        };
        let users = dormant.into_iter().map(|(_, u)| u).collect();
        Ok(UserPage { users, next })
    }
}

fn record(report: &mut IntakeReport, outcome: &Outcome) {
    for change in &outcome.changes {
        let id = change.anomaly.id.to_string();
        if !report.anomalies.contains(&id) {
            report.anomalies.push(id);
        }
    }
}

#[async_trait]
impl EventIntake for LocalStore {
    async fn ingest(
        &self,
        tenant: &TenantId,
        source: Source,
        body: &[u8],
    ) -> Result<IntakeReport, BusError> {
        let mut report = IntakeReport::default();
        let mut local = self.inner.write().await;
        let Local {
            detector,
            store,
            clock,
        } = &mut *local;
        let wall = Utc::now();
        for (line, observation) in read(tenant, source, body, &mut report) {
            if let Err(reason) = detector.check_times(&observation, wall) {
                report.rejected.push(format!("line {line}: {reason}"));
                continue;
            }
            let event = match complete(&*store, observation) {
                Ok(event) => event,
                Err(unknown) => {
                    report.rejected.push(format!("line {line}: {unknown}"));
                    continue;
                }
            };
            let now = clock.map_or(event.occurred_at, |c| c.max(event.occurred_at));
            *clock = Some(now);
            let outcome = detector.process(store, event, now);
            if outcome.duplicate {
                report.duplicates += 1;
            } else {
                report.accepted += 1;
            }
            record(&mut report, &outcome);
        }
        if let Some(now) = *clock {
            let outcome = detector.sweep(store, now, SweepScope::Full);
            record(&mut report, &outcome);
        }
        Ok(report)
    }
}
