//! Records stay bounded on AWS whatever arrives: a bot that requests the same role with long
//! request ids, through the ingest handler and the sweep on moto, keeps one automation
//! anomaly updated for 30 days, while every item the table holds stays far under DynamoDB's
//! 400 KB and every event the bus carried far under EventBridge's 256 KB.
//!
//! The bot requests every minute for the first 8 hours, past every bound (its group's
//! requests reach their byte bound after about 7 hours, the anomaly's listed ids at 50
//! requests), then in a burst of five every 12 hours to day 30. (Every minute for 30 days,
//! as `replay` runs it in `shared/core/tests/replay_bounds.rs`, would take over an hour on
//! moto, which copies and re-measures each written item in Python.)

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};
use integration_tests::drain;
use integration_tests::pipeline::{request, t, Pipeline};
use serde_json::Value;
use std::collections::BTreeSet;
use std::collections::HashMap;

/// Under a third of DynamoDB's 400 KB item.
const ITEM_BUDGET: usize = 128 * 1024;
/// A quarter of EventBridge's 256 KB entry.
const EVENT_BUDGET: usize = 64 * 1024;

/// An item's size as DynamoDB counts it: names and values in UTF-8, numbers by digits.
fn value_bytes(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::L(list) => 3 + list.iter().map(|v| 1 + value_bytes(v)).sum::<usize>(),
        AttributeValue::M(map) => 3 + item_bytes(map) + map.len(),
        AttributeValue::Ss(set) | AttributeValue::Ns(set) => set.iter().map(String::len).sum(),
        _ => 0,
    }
}

fn item_bytes(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter().map(|(k, v)| k.len() + value_bytes(v)).sum()
}

/// The table's largest item, how many items it holds, and how many requests the group
/// item (sort key `G`) lists.
async fn largest_item(p: &Pipeline) -> (usize, usize, usize) {
    let client = aws_sdk_dynamodb::Client::new(&p.config);
    let (mut largest, mut items, mut listed) = (0, 0, 0);
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(&p.table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        for item in page.items() {
            largest = largest.max(item_bytes(item));
            items += 1;
            if item
                .get("sk")
                .and_then(|sk| sk.as_s().ok())
                .is_some_and(|sk| sk == "G")
            {
                listed = item["entries"].as_l().map_or(0, Vec::len);
            }
        }
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return (largest, items, listed);
        }
    }
}

/// The bot's requests created at `times`, numbered from `first`, with 100-character ids.
fn requests(first: usize, times: &[DateTime<Utc>]) -> Vec<Value> {
    times
        .iter()
        .enumerate()
        .map(|(i, at)| {
            request(
                "svc-bot",
                &format!("bot-{:0>96}", first + i),
                "pending",
                *at,
                *at,
            )
        })
        .collect()
}

/// Ingest `events` with the clock at `at`, sweep at `at`; the one automation anomaly.
async fn ingest_and_sweep(p: &Pipeline, events: &[Value], at: DateTime<Utc>) -> Value {
    p.feed(&p.ingest(), events, at).await;
    let sweeper = p.sweeper(p.dynamo(), 10_000);
    let summary = sweep_function::run(&sweeper, at, "test", at).await.unwrap();
    assert!(summary.complete, "{at}: {summary:?}");
    let mut automation: Vec<Value> = p
        .anomalies()
        .await
        .into_iter()
        .filter(|a| a["type"] == "access_automation")
        .collect();
    assert_eq!(automation.len(), 1, "{at}: one anomaly");
    automation.remove(0)
}

#[tokio::test]
async fn a_bot_keeps_one_bounded_anomaly_for_30_days_through_ingest_and_sweep() {
    // Arrange
    let p = Pipeline::new().await;
    let start = t("2026-03-01T00:00:00Z");
    let mut sent = 0;
    let mut ids = BTreeSet::new();
    let mut counts = Vec::new();
    // Act: every minute for 8 hours, swept every 2 hours...
    for slot in 0..4 {
        let times: Vec<_> = (0..120)
            .map(|m| start + Duration::minutes(slot * 120 + m))
            .collect();
        let events = requests(sent, &times);
        sent += events.len();
        let anomaly = ingest_and_sweep(&p, &events, start + Duration::hours(2 * slot + 2)).await;
        ids.insert(anomaly["id"].to_string());
        counts.push(anomaly["evidence"]["count"].as_u64().unwrap());
    }
    let (filled, _, listed) = largest_item(&p).await;
    // ...then five a minute apart every 12 hours, each swept 15 minutes after it began.
    for burst in 1..60 {
        let begin = start + Duration::hours(12 * burst);
        let times: Vec<_> = (0..5).map(|m| begin + Duration::minutes(m)).collect();
        let events = requests(sent, &times);
        sent += events.len();
        let anomaly = ingest_and_sweep(&p, &events, begin + Duration::minutes(15)).await;
        ids.insert(anomaly["id"].to_string());
        counts.push(anomaly["evidence"]["count"].as_u64().unwrap());
    }
    // Assert: after 8 hours the group item was cut to its bound (near 64 KiB)...
    assert!(listed < 480, "the group lists {listed} of 480 requests");
    assert!(filled > 48 * 1024 && filled < ITEM_BUDGET, "{filled} bytes");
    // ...and one anomaly all month, updated by every sweep, counting every request.
    assert_eq!(ids.len(), 1);
    assert!(counts.windows(2).all(|w| w[0] < w[1]), "{counts:?}");
    assert_eq!(*counts.last().unwrap(), sent as u64);
    let (largest, items, _) = largest_item(&p).await;
    assert!(items > sent, "{items} items");
    assert!(largest < ITEM_BUDGET, "largest item {largest} bytes");
    let announced = drain(&p.config, &p.capture).await;
    let updates = announced
        .iter()
        .filter(|e| e["detail-type"] == "Anomaly Updated")
        .count();
    assert_eq!(
        updates,
        counts.len() - 1,
        "every sweep announced its update"
    );
    let biggest = announced.iter().map(|e| e.to_string().len()).max().unwrap();
    assert!(biggest < EVENT_BUDGET, "largest event {biggest} bytes");
}
