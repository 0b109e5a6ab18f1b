//! Sweep benchmark: DynamoDB items read by one sweep of a day with 10,000 requests, with 1×
//! and 10× as much older history in the table. The table is seeded with the items the ingest
//! function would write (built offline by the same snapshot code, written in bulk).
//!
//! cargo bench -p integration-tests --bench sweep

use anomalies_core::config::Config;
use anomalies_core::contract::parse_event_value;
use anomalies_core::engine::Detector;
use anomalies_core::store::dynamo::records::SweepStateRecord;
use anomalies_core::store::dynamo::snapshot::{Item, Retention, Snapshot};
use anomalies_core::store::dynamo::SweepTable;
use anomalies_core::store::EventLog;
use chrono::{DateTime, Duration, Utc};
use integration_tests::pipeline::{request, t, Instrumented, Pipeline};
use integration_tests::put_items;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use sweep_function::run;

const REQUESTS_PER_DAY: usize = 10_000;
const REQUESTERS: usize = 2_000;

/// `days` days of requests ending at `end`: 10,000 a day from 2,000 requesters, each asking
/// for one of 3 scopes; every item the ingest function would leave behind.
fn history(end: DateTime<Utc>, days: i64, seed: u64) -> Vec<Item> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let span = days * 86_400;
    let mut times: Vec<i64> = (0..REQUESTS_PER_DAY * days as usize)
        .map(|_| rng.gen_range(0..span))
        .collect();
    times.sort_unstable();
    let detector = Detector::new(Config::default()).unwrap();
    let mut snapshot = Snapshot::new(Retention::default());
    let mut items: HashMap<(String, String), Item> = HashMap::new();
    for (i, offset) in times.into_iter().enumerate() {
        let created = end - Duration::seconds(span) + Duration::seconds(offset);
        let who = format!("user-{}", rng.gen_range(0..REQUESTERS));
        let mut value = request(&who, &format!("r{seed}-{i}"), "pending", created, created);
        value["request"]["resources"][0]["id"] = format!("db-{}", rng.gen_range(0..3)).into();
        let event = parse_event_value(&value).unwrap();
        snapshot.mark_seen(&event.tenant_id, &event.event_id);
        let outcome = detector.process_unseen(&mut snapshot, event.clone(), created);
        let produced = outcome
            .changes
            .iter()
            .map(|c| c.anomaly.id.clone())
            .collect();
        for (item, _) in snapshot.take_writes(&event, produced).puts {
            if matches!(item, Item::Marker(_)) {
                continue; // event markers play no part in the sweep
            }
            items.insert(key(&item), item);
        }
        snapshot.commit();
    }
    items.into_values().collect()
}

fn key(item: &Item) -> (String, String) {
    match item {
        Item::Marker(r) => (r.pk.clone(), r.sk.clone()),
        Item::Request(r) => (r.pk.clone(), r.sk.clone()),
        Item::Requester(r) => (r.pk.clone(), r.sk.clone()),
        Item::Group(r) => (r.pk.clone(), r.sk.clone()),
        Item::Bucket(r) => (r.pk.clone(), r.sk.clone()),
        Item::Anomaly(r) => (r.pk.clone(), r.sk.clone()),
    }
}

async fn measure(history_days: i64) {
    let at = t("2026-06-01T12:00:00Z");
    let p = Pipeline::new().await;
    let client = aws_sdk_dynamodb::Client::new(&p.config);
    // The window's day and the older days, generated as one stream so groups span both.
    let items = history(at, 1 + history_days, 11);
    let started = Instant::now();
    put_items(&client, &p.table, &items).await;
    let seeded = started.elapsed().as_secs_f64();
    // Steady state: the previous sweep, 15 minutes earlier, completed.
    let mut state = SweepStateRecord {
        last_completed: Some(at - Duration::minutes(15)),
        dormant_through: Some((at - Duration::days(91)).date_naive()),
        ..SweepStateRecord::default()
    };
    p.dynamo().save_state(&mut state).await.unwrap();
    let table = Arc::new(Instrumented::new(p.dynamo()));
    let ctx = p.sweeper(table.clone(), 1_000_000);
    let steady = run(&ctx, at, "bench", Utc::now()).await.unwrap();
    let steady_items = table.take_items_read();
    // After an outage: the whole window again.
    let mut state = p.dynamo().state().await.unwrap();
    state.last_completed = Some(at - Duration::days(2));
    p.dynamo().save_state(&mut state).await.unwrap();
    let full = run(&ctx, at + Duration::minutes(15), "bench", Utc::now())
        .await
        .unwrap();
    let full_items = table.take_items_read();
    println!(
        "| {}× ({} items in the table, seeded in {seeded:.0} s) | {steady_items} ({} groups, {} requests) | {full_items} ({} groups, {} requests) |",
        history_days,
        items.len(),
        steady.groups,
        steady.dynamodb_requests,
        full.groups,
        full.dynamodb_requests,
    );
}

#[tokio::main]
async fn main() {
    println!("\nItems read per sweep, a day of {REQUESTS_PER_DAY} requests in the window:\n");
    println!("| older history | steady-state sweep (every 15 min) | whole-window sweep (after an outage) |");
    println!("|---|---|---|");
    for days in [1, 10] {
        measure(days).await;
    }
}
