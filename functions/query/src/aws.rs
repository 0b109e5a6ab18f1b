//! The AWS side of the API's ports: anomalies and requesters on DynamoDB — index reads
//! through the shared query engine, strongly consistent single reads, and triage as read →
//! edit → version-checked put, retried when a concurrent writer (another API call, or the
//! ingest/sweep functions) got there first. (The bus and webhook-store adapters are the
//! libraries'.)

use anomalies_api::ports::{
    Anomalies, DormantUser, Edit, RepoError, Requesters, UserPage, Versioned,
};
use anomalies_core::anomaly::Anomaly;
use anomalies_core::domain::{AnomalyId, TenantId};
use anomalies_core::query::{self, AnomalyFilter, Facets, Field, Page};
use anomalies_core::store::dynamo::{DynamoTable, Table};
use anomalies_core::store::StoreError;
use async_trait::async_trait;
use std::sync::Arc;

/// Attempts at a triage write before answering 409.
const MODIFY_ATTEMPTS: u32 = 4;

pub struct DynamoAnomalies {
    pub table: Arc<DynamoTable>,
    pub facet_read_limit: u64,
}

#[async_trait]
impl Anomalies for DynamoAnomalies {
    async fn page(
        &self,
        tenant: &TenantId,
        filter: &AnomalyFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page, RepoError> {
        Ok(query::page(&*self.table, tenant, filter, after, limit).await?)
    }

    async fn facets(
        &self,
        tenant: &TenantId,
        filter: &AnomalyFilter,
        field: Field,
        search: Option<&str>,
        limit: usize,
    ) -> Result<Facets, RepoError> {
        let table = &*self.table;
        let budget = self.facet_read_limit;
        Ok(query::facets(table, tenant, filter, field, search, limit, budget).await?)
    }

    async fn get(&self, tenant: &TenantId, id: &AnomalyId) -> Result<Option<Anomaly>, RepoError> {
        let record = self.table.anomaly(tenant, id).await?;
        Ok(record.map(|r| r.anomaly))
    }

    async fn modify(
        &self,
        tenant: &TenantId,
        id: &AnomalyId,
        edit: &Edit<'_>,
    ) -> Result<Option<Versioned>, RepoError> {
        for _ in 0..MODIFY_ATTEMPTS {
            let Some(mut record) = self.table.anomaly(tenant, id).await? else {
                return Ok(None);
            };
            let mut anomaly = record.anomaly.clone();
            edit(&mut anomaly)?;
            let expected = record.version;
            record.set_anomaly(anomaly.clone());
            record.version = expected + 1;
            record.published = false;
            match self.table.replace_anomaly(&record, expected).await {
                Ok(()) => {
                    return Ok(Some(Versioned {
                        anomaly,
                        version: record.version,
                    }))
                }
                Err(StoreError::Conflict) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }

    async fn mark_published(
        &self,
        tenant: &TenantId,
        id: &AnomalyId,
        version: u64,
    ) -> Result<(), RepoError> {
        let anomalies = [(tenant.clone(), id.clone(), version)];
        self.table
            .mark_published(&anomalies)
            .await
            .map_err(RepoError::from)
    }
}

#[async_trait]
impl Requesters for DynamoAnomalies {
    async fn dormant(
        &self,
        tenant: &TenantId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<UserPage, RepoError> {
        let (records, more) = self.table.dormant_requesters(tenant, after, limit).await?;
        let next = if more {
            records.last().and_then(|r| r.gsi8sk.clone())
        } else {
            None
        };
        let users = records
            .into_iter()
            .filter_map(|r| {
                let activity = r.last_activity?;
                Some(DormantUser {
                    id: r.requester_id.to_string(),
                    last_request_at: activity.created_at,
                    last_request_id: activity.request_id.to_string(),
                    dormant_since: r.dormant_since,
                })
            })
            .collect();
        Ok(UserPage { users, next })
    }
}
