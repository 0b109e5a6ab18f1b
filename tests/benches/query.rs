//! Query API benchmark: 100,000 anomalies, ten typical filtered queries.
//! In memory: p50/p99 latency of the whole handler (routing, parsing, query, JSON).
//! DynamoDB (moto): index items read per item returned, and requests per query.
//!
//! cargo bench -p integration-tests --bench query            (both)
//! QUERY_BENCH_SKIP_DYNAMO=1 cargo bench -p integration-tests --bench query

use anomalies_api::auth::{Auth, Principal};
use anomalies_api::cursor::CursorKey;
use anomalies_api::local::LocalStore;
use anomalies_api::router;
use anomalies_core::config::Config;
use anomalies_core::domain::TenantId;
use anomalies_core::engine::Detector;
use anomalies_core::sample::anomalies;
use anomalies_core::store::{AnomalyStore, MemoryStore};
use axum::Router;
use chrono::Utc;
use http_body_util::BodyExt;
use integration_tests::api::Harness;
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceExt;

const ANOMALIES: usize = 100_000;
const USERS: usize = 2_000;
const DAYS: i64 = 90;
const RUNS: usize = 300;

const QUERIES: [(&str, &str); 10] = [
    ("newest 50", ""),
    ("last 7 days", "last=7d"),
    (
        "critical high-risk, 30 days",
        "type=high_risk_access&severity=critical&last=30d",
    ),
    ("open, last 7 days", "status=open&last=7d"),
    ("open inactive users", "type=inactive_user&status=open"),
    ("one user", "user=user-00042"),
    ("one user, 30 days", "user=user-00007&last=30d"),
    (
        "integration + resource type",
        "integration=aws-main&resource_type=aws-s3-bucket",
    ),
    (
        "resource type, 30 days",
        "resource_type=okta-group&last=30d",
    ),
    ("text search, 30 days", "q=payments&last=30d"),
];

async fn get(router: &Router, uri: &str) -> (u64, usize, Option<String>) {
    let request = http::Request::builder()
        .uri(uri)
        .header("authorization", "Bearer bench")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200, "{uri}");
    let read: u64 = response.headers()["x-items-read"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let items = body["items"].as_array().unwrap().len();
    (read, items, body["next_cursor"].as_str().map(str::to_owned))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn memory(data: &[anomalies_core::anomaly::Anomaly]) {
    let mut store = MemoryStore::new();
    for a in data {
        store.put_anomaly(a.clone());
    }
    let local = Arc::new(LocalStore::new(
        Detector::new(Config::default()).unwrap(),
        store,
    ));
    let auth = Auth::Bearer {
        token: "bench".into(),
        principal: Principal {
            tenant: TenantId::try_from("acme").unwrap(),
            actor: "bench".into(),
            access: anomalies_api::auth::Access::ReadWrite,
        },
    };
    let bus = Arc::new(anomalies_core::bus::MemoryBus::default());
    let state = local.app_state(bus, auth, CursorKey::random(), false);
    let router = router(state);
    println!("\nIn memory, {ANOMALIES} anomalies, {RUNS} runs per query (handler end to end, limit 50):\n");
    println!("| query | returned | items read | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|");
    for (name, query) in QUERIES {
        let uri = format!("/v1/anomalies?{query}");
        let (read, items, _) = get(&router, &uri).await;
        let mut times = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let start = Instant::now();
            get(&router, &uri).await;
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {name} (`{query}`) | {items} | {read} | {:.2} | {:.2} |",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
    let facets = "/v1/anomalies/facets?field=user&last=30d&search=a";
    let mut times = Vec::new();
    for _ in 0..20 {
        let start = Instant::now();
        let request = http::Request::builder()
            .uri(facets)
            .header("authorization", "Bearer bench")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 200);
        response.into_body().collect().await.unwrap();
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!("\nfacets (`field=user&last=30d&search=a`, reads every anomaly of the window): p50 {:.1} ms, max {:.1} ms", percentile(&times, 0.5), times[times.len() - 1]);
}

async fn dynamodb(data: &[anomalies_core::anomaly::Anomaly]) {
    let harness = Harness::dynamo().await;
    let start = Instant::now();
    harness.seed(data).await;
    println!("\nDynamoDB (moto), {ANOMALIES} anomalies seeded in {:.0} s; first page and second page (limit 50):\n", start.elapsed().as_secs_f64());
    println!("| query | returned | items read | read per returned | DynamoDB requests |");
    println!("|---|---|---|---|---|");
    let caller = Some(("acme", "bench"));
    for (name, query) in QUERIES {
        let before = harness.dynamo_requests();
        let reply = harness.get(&format!("/v1/anomalies?{query}"), caller).await;
        let requests = harness.dynamo_requests() - before;
        let read: u64 = reply.headers["x-items-read"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let items = reply.body["items"].as_array().unwrap().len();
        let mut line = format!(
            "| {name} (`{query}`) | {items} | {read} | {:.2} | {requests} |",
            read as f64 / items.max(1) as f64
        );
        if let Some(cursor) = reply.body["next_cursor"].as_str() {
            let before = harness.dynamo_requests();
            let next = harness
                .get(&format!("/v1/anomalies?{query}&cursor={cursor}"), caller)
                .await;
            let requests = harness.dynamo_requests() - before;
            let read: u64 = next.headers["x-items-read"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            let items = next.body["items"].as_array().unwrap().len();
            line.push_str(&format!(
                "\n| ↳ page 2 | {items} | {read} | {:.2} | {requests} |",
                read as f64 / items.max(1) as f64
            ));
        }
        println!("{line}");
    }
}

#[tokio::main]
async fn main() {
    let tenant = TenantId::try_from("acme").unwrap();
    let data = anomalies(2026, &tenant, ANOMALIES, USERS, Utc::now(), DAYS);
    memory(&data).await;
    if std::env::var_os("QUERY_BENCH_SKIP_DYNAMO").is_none() {
        dynamodb(&data).await;
    }
}
