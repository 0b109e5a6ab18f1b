//! The ingest and sweep functions on one table and bus in moto, as the tests drive them.

use crate::*;
use anomalies_core::bus::SOURCE;
use anomalies_core::domain::{AnomalyId, TenantId};
use anomalies_core::env::{ANOMALIES_BUS_NAME, TABLE_NAME};
use anomalies_core::store::dynamo::keys::ItemKey;
use anomalies_core::store::dynamo::records::SweepStateRecord;
use anomalies_core::store::dynamo::snapshot::{Item, WriteSet};
use anomalies_core::store::dynamo::table::KeyPage;
use anomalies_core::store::dynamo::{DynamoTable, SweepTable, Table};
use anomalies_core::store::StoreError;
use aws_config::SdkConfig;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use sweep_function::config::SweepConfig;

/// The table as the sweep sees it, counting the items every read returns, and (if told)
/// failing every write after the first few, as a run cut off by the timeout would.
pub struct Instrumented {
    pub inner: Arc<DynamoTable>,
    pub items_read: AtomicU64,
    /// Writes allowed before every further write fails (`usize::MAX`: never fail).
    pub writes_left: AtomicUsize,
}

impl Instrumented {
    pub fn new(inner: Arc<DynamoTable>) -> Self {
        Self {
            inner,
            items_read: AtomicU64::new(0),
            writes_left: AtomicUsize::new(usize::MAX),
        }
    }

    /// Items read since the last call.
    pub fn take_items_read(&self) -> u64 {
        self.items_read.swap(0, Ordering::Relaxed)
    }

    fn read(&self, n: usize) {
        self.items_read.fetch_add(n as u64, Ordering::Relaxed);
    }
}

#[async_trait::async_trait]
impl Table for Instrumented {
    async fn load(&self, keys: &[ItemKey]) -> Result<Vec<Item>, StoreError> {
        let items = self.inner.load(keys).await?;
        self.read(items.len());
        Ok(items)
    }
    async fn apply(&self, writes: &WriteSet) -> Result<(), StoreError> {
        let allowed = self
            .writes_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if allowed.is_err() {
            return Err(StoreError::retryable("TransactWriteItems", "cut off"));
        }
        self.inner.apply(writes).await
    }
    async fn mark_published(&self, a: &[(TenantId, AnomalyId, u64)]) -> Result<(), StoreError> {
        self.inner.mark_published(a).await
    }
    fn requests(&self) -> u64 {
        self.inner.requests()
    }
}

#[async_trait::async_trait]
impl SweepTable for Instrumented {
    async fn bucket_groups(
        &self,
        partition: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, StoreError> {
        let page = self.inner.bucket_groups(partition, after, limit).await?;
        self.read(page.0.len());
        Ok(page)
    }
    async fn activity_requesters(
        &self,
        partition: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, StoreError> {
        let page = self
            .inner
            .activity_requesters(partition, after, limit)
            .await?;
        self.read(page.0.len());
        Ok(page)
    }
    async fn state(&self) -> Result<SweepStateRecord, StoreError> {
        self.read(1);
        self.inner.state().await
    }
    async fn save_state(&self, state: &mut SweepStateRecord) -> Result<(), StoreError> {
        self.inner.save_state(state).await
    }
    async fn acquire_lease(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.inner.acquire_lease(owner, now, until).await
    }
    async fn release_lease(&self, owner: &str) -> Result<(), StoreError> {
        self.inner.release_lease(owner).await
    }
}

pub struct Pipeline {
    pub config: SdkConfig,
    pub table: String,
    pub bus: String,
    pub capture: String,
    /// The KMS key webhook secrets are sealed with.
    pub secrets_key: String,
}

impl Pipeline {
    pub async fn new() -> Self {
        let config = sdk_config().await;
        let table = unique("sweep");
        create_table(&aws_sdk_dynamodb::Client::new(&config), &table).await;
        let bus = unique("anomalies-bus");
        let capture = bus_with_capture(&config, &bus, SOURCE).await;
        let secrets_key = crate::secrets_key(&config).await;
        Self {
            config,
            table,
            bus,
            capture,
            secrets_key,
        }
    }

    pub fn dynamo(&self) -> Arc<DynamoTable> {
        Arc::new(DynamoTable::new(
            aws_sdk_dynamodb::Client::new(&self.config),
            &self.table,
        ))
    }

    fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |name| match name {
            TABLE_NAME => Some(self.table.clone()),
            ANOMALIES_BUS_NAME => Some(self.bus.clone()),
            _ => None,
        }
    }

    /// The ingest function's production context on this table and bus.
    pub fn ingest(&self) -> ingest_function::Context {
        let config = ingest_function::config::IngestConfig::from_lookup(self.lookup()).unwrap();
        ingest_function::Context::from_config(&config, &self.config).unwrap()
    }

    /// The sweep function's production context, on `table` (the stack's table, maybe
    /// wrapped) and at most `max_groups` groups per run.
    pub fn sweeper(
        &self,
        table: Arc<dyn SweepTable>,
        max_groups: usize,
    ) -> sweep_function::Context {
        let config = SweepConfig::from_lookup(self.lookup()).unwrap();
        sweep_function::Context {
            table,
            max_groups_per_run: max_groups,
            lease: Duration::minutes(15),
            ..sweep_function::Context::from_config(&config, &self.config).unwrap()
        }
    }

    /// Ingest events (at most 10 per batch, as SQS delivers) with the clock at `now`.
    pub async fn feed(&self, ctx: &ingest_function::Context, events: &[Value], now: DateTime<Utc>) {
        for batch in events.chunks(10) {
            let ingest_function::message::Invocation::Sqs(messages) =
                ingest_function::message::parse(sqs_batch(batch), &ctx.platform_tenant).unwrap()
            else {
                panic!("an SQS batch");
            };
            let outcome = ingest_function::batch::process(ctx, messages, now).await;
            assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
        }
    }

    pub async fn anomalies(&self) -> Vec<Value> {
        stored_anomalies(&self.config, &self.table).await
    }

    /// Detail types of what reached the bus, by anomaly id.
    pub async fn published(&self) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for event in drain(&self.config, &self.capture).await {
            let id = event["detail"]["id"].as_str().unwrap().to_owned();
            out.entry(id)
                .or_default()
                .push(event["detail-type"].as_str().unwrap().to_owned());
        }
        out
    }
}

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A bot's request event in group (requester, orders/write).
pub fn request(
    requester: &str,
    id: &str,
    status: &str,
    created: DateTime<Utc>,
    occurred: DateTime<Utc>,
) -> Value {
    json!({
        "event_id": format!("{id}-{status}"), "tenant_id": "acme",
        "occurred_at": occurred.to_rfc3339(),
        "request": {
            "id": id, "status": status, "created_at": created.to_rfc3339(),
            "requester": {"id": requester}, "integration": {"id": "pg"},
            "resource_type": "database", "resources": [{"id": "orders", "name": "orders"}],
            "permissions": ["write"]
        }
    })
}
