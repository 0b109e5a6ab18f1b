//! The sweep function against moto, fed by the ingest handler: the three automation triggers
//! and their near misses, dedup across sweeps, a run cut short that resumes, concurrent runs,
//! and equality with `anomalies replay` on a generated stream.

use anomalies_core::config::Config;
use anomalies_core::contract::parse_event;
use anomalies_core::engine::Detector;
use anomalies_core::generator::{generate_to_string, GeneratorOptions};
use anomalies_core::replay::replay_reader;
use anomalies_core::store::dynamo::SweepTable;
use chrono::{DateTime, Duration, Utc};
use integration_tests::pipeline::{request, t, Instrumented, Pipeline};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use sweep_function::{run, Summary};

fn automation(anomalies: &[Value]) -> Vec<&Value> {
    anomalies
        .iter()
        .filter(|a| a["type"] == "access_automation")
        .collect()
}

async fn sweep_at(p: &Pipeline, at: &str) -> Summary {
    let ctx = p.sweeper(p.dynamo(), 10_000);
    run(&ctx, t(at), "test", Utc::now()).await.unwrap()
}

#[tokio::test]
async fn the_three_triggers_fire_and_their_near_misses_do_not() {
    // Arrange: per requester, one pattern.
    let p = Pipeline::new().await;
    let ingest = p.ingest();
    let base = t("2026-02-01T01:00:00Z");
    let mut events = Vec::new();
    // Rapid fire: 5 requests a minute apart; near miss: 4.
    for i in 0..5 {
        let at = base + Duration::minutes(i);
        events.push(request("rapid", &format!("rapid-{i}"), "pending", at, at));
    }
    for i in 0..4 {
        let at = base + Duration::minutes(i);
        events.push(request(
            "rapid-miss",
            &format!("rapid-miss-{i}"),
            "pending",
            at,
            at,
        ));
    }
    // Regular cadence: 6 requests exactly 37 minutes apart (not within 5 min: not rapid);
    // near miss: gaps of 37 and 55 minutes alternating.
    for i in 0..6 {
        let at = base - Duration::hours(5) + Duration::minutes(37 * i);
        events.push(request(
            "cadence",
            &format!("cadence-{i}"),
            "pending",
            at,
            at,
        ));
        let irregular =
            base - Duration::hours(5) + Duration::minutes(46 * i + if i % 2 == 1 { 9 } else { 0 });
        events.push(request(
            "cadence-miss",
            &format!("cadence-miss-{i}"),
            "pending",
            irregular,
            irregular,
        ));
    }
    // Chained renewals: 3 requests each 20 s after the previous access expired (access of
    // 30 minutes); near miss: 3 minutes after.
    // Access lasts 30, 50, 20 and 70 minutes, so the requests are not evenly spaced.
    for (who, delay) in [("renew", 20), ("renew-miss", 180)] {
        let mut created = base - Duration::hours(9);
        for (i, minutes) in [30, 50, 20, 70].into_iter().enumerate() {
            let id = format!("{who}-{i}");
            let expired = created + Duration::minutes(minutes);
            events.push(request(who, &id, "granted", created, created));
            events.push(request(who, &id, "expired", created, expired));
            created = expired + Duration::seconds(delay);
        }
    }
    events.sort_by_key(|e| e["occurred_at"].as_str().unwrap().to_owned());
    p.feed(&ingest, &events, base + Duration::minutes(5)).await;
    // Act
    let summary = sweep_at(&p, "2026-02-01T01:15:00Z").await;
    // Assert
    assert!(summary.complete, "{summary:?}");
    let stored = p.anomalies().await;
    let found: BTreeMap<String, String> = automation(&stored)
        .iter()
        .map(|a| {
            (
                a["requester"]["id"].as_str().unwrap().to_owned(),
                a["evidence"]["trigger"]["name"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        BTreeMap::from([
            ("cadence".to_owned(), "regular_cadence".to_owned()),
            ("rapid".to_owned(), "rapid_fire".to_owned()),
            ("renew".to_owned(), "chained_renewals".to_owned()),
        ])
    );
}

#[tokio::test]
async fn consecutive_sweeps_update_one_anomaly_and_announce_each_change_once() {
    // Arrange: a burst, swept; then more requests, swept twice.
    let p = Pipeline::new().await;
    let ingest = p.ingest();
    let base = t("2026-02-01T01:00:00Z");
    let burst: Vec<Value> = (0..5)
        .map(|i| {
            let at = base + Duration::minutes(i);
            request("bot", &format!("b{i}"), "pending", at, at)
        })
        .collect();
    p.feed(&ingest, &burst, base + Duration::minutes(5)).await;
    sweep_at(&p, "2026-02-01T01:15:00Z").await;
    let later: Vec<Value> = (5..8)
        .map(|i| {
            let at = base + Duration::minutes(20 + i);
            request("bot", &format!("b{i}"), "pending", at, at)
        })
        .collect();
    p.feed(&ingest, &later, base + Duration::minutes(28)).await;
    // Act
    sweep_at(&p, "2026-02-01T01:30:00Z").await;
    sweep_at(&p, "2026-02-01T01:45:00Z").await;
    sweep_at(&p, "2026-02-01T01:45:00Z").await; // a retried invocation of the same T
                                                // Assert
    let stored = p.anomalies().await;
    let found = automation(&stored);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["evidence"]["count"], 8);
    assert_eq!(found[0]["evidence"]["occurrences"], 2);
    let published = p.published().await;
    let id = found[0]["id"].as_str().unwrap();
    assert_eq!(published[id], ["Anomaly Detected", "Anomaly Updated"]);
}

/// Five bots bursting at once, ingested; returns the pipeline.
async fn five_bursts() -> Pipeline {
    let p = Pipeline::new().await;
    let ingest = p.ingest();
    let base = t("2026-02-01T01:00:00Z");
    let mut events = Vec::new();
    for bot in 0..5 {
        for i in 0..5 {
            let at = base + Duration::minutes(i) + Duration::seconds(bot);
            events.push(request(
                &format!("bot{bot}"),
                &format!("b{bot}-{i}"),
                "pending",
                at,
                at,
            ));
        }
    }
    events.sort_by_key(|e| e["occurred_at"].as_str().unwrap().to_owned());
    p.feed(&ingest, &events, base + Duration::minutes(5)).await;
    p
}

#[tokio::test]
async fn a_run_stopped_by_its_budget_or_cut_off_resumes_where_it_stopped() {
    // Arrange
    let p = five_bursts().await;
    let at = t("2026-02-01T01:15:00Z");
    // Act: a run allowed one group; a run cut off at its first write; then a normal run.
    let small = p.sweeper(p.dynamo(), 1);
    let first = run(&small, at, "a", Utc::now()).await.unwrap();
    let cut_off = Arc::new(Instrumented::new(p.dynamo()));
    cut_off.writes_left.store(0, Ordering::SeqCst);
    let dying = p.sweeper(cut_off, 10_000);
    let cut = run(&dying, at, "b", Utc::now()).await;
    let state = p.dynamo().state().await.unwrap();
    let last = run(&p.sweeper(p.dynamo(), 10_000), at, "c", Utc::now())
        .await
        .unwrap();
    // Assert
    assert!(!first.complete && first.groups == 1, "{first:?}");
    assert!(cut.is_err(), "the cut-off run fails");
    assert_eq!(
        state.pending.as_ref().map(|c| c.at),
        Some(at),
        "a checkpoint is left"
    );
    assert!(last.complete && last.completed == vec![at], "{last:?}");
    assert!(
        last.groups < 5,
        "the resumed run skips what was done: {last:?}"
    );
    let stored = p.anomalies().await;
    assert_eq!(automation(&stored).len(), 5);
    let published = p.published().await;
    assert_eq!(published.len(), 5);
    assert!(
        published
            .values()
            .all(|kinds| kinds == &["Anomaly Detected"]),
        "{published:?}"
    );
}

#[tokio::test]
async fn two_runs_at_once_for_the_same_time_raise_each_anomaly_once() {
    // Arrange
    let p = five_bursts().await;
    let at = t("2026-02-01T01:15:00Z");
    let (a, b) = (p.sweeper(p.dynamo(), 10_000), p.sweeper(p.dynamo(), 10_000));
    // Act
    let (ra, rb) = tokio::join!(run(&a, at, "a", Utc::now()), run(&b, at, "b", Utc::now()));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    // Assert: one ran, the other found the lease held (or, if the first had already
    // finished, found the time swept).
    assert!(
        ra.skipped.is_some() || rb.skipped.is_some() || ra.groups + rb.groups == 5,
        "{ra:?} {rb:?}"
    );
    let stored = p.anomalies().await;
    assert_eq!(automation(&stored).len(), 5);
    let published = p.published().await;
    assert!(
        published
            .values()
            .all(|kinds| kinds == &["Anomaly Detected"]),
        "{published:?}"
    );
    // And the lease is free again.
    let again = run(&a, at + Duration::minutes(15), "c", Utc::now())
        .await
        .unwrap();
    assert!(again.skipped.is_none());
}

/// Anomalies reduced to what must match: type, request id and, for automation, the set of
/// request ids.
fn essence(anomaly: &Value) -> (String, String, BTreeSet<String>) {
    let requests = anomaly["evidence"]["request_ids"]
        .as_array()
        .map(|ids| ids.iter().map(|i| i.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    (
        anomaly["type"].as_str().unwrap().to_owned(),
        anomaly["request_id"].as_str().unwrap().to_owned(),
        requests,
    )
}

#[tokio::test]
async fn ingest_plus_sweeps_at_every_boundary_equal_replay() {
    // Arrange: a generated stream over two days, with bots, late events and duplicates.
    let options = GeneratorOptions {
        seed: 7,
        events: 800,
        days: 1,
        people: 40,
        bots: 4,
        ..GeneratorOptions::default()
    };
    let text = generate_to_string(&options);
    let detector = Detector::new(Config::default()).unwrap();
    let (expected, _) = replay_reader(&detector, text.as_bytes(), |_| {}).unwrap();
    let p = Pipeline::new().await;
    let ingest = p.ingest();
    let sweeper = p.sweeper(p.dynamo(), 100_000);
    let interval = detector.sweep_interval().num_seconds();
    let next_boundary = |after: DateTime<Utc>| {
        DateTime::from_timestamp((after.timestamp().div_euclid(interval) + 1) * interval, 0)
            .unwrap()
    };
    // Act: the replay clock, driving ingest (by interval) and sweeps (at each boundary).
    let mut seen = HashSet::new();
    let mut clock: Option<DateTime<Utc>> = None;
    let mut cursor: Option<DateTime<Utc>> = None;
    let mut pending: Vec<Value> = Vec::new();
    let mut last_sweep = None;
    for line in text.lines() {
        let Ok(event) = parse_event(line.as_bytes()) else {
            continue;
        };
        let value: Value = serde_json::from_str(line).unwrap();
        if !seen.insert((event.tenant_id.clone(), event.event_id.clone())) {
            pending.push(value); // a duplicate: ingest must ignore it
            continue;
        }
        while let Some(c) = cursor {
            let boundary = next_boundary(c);
            if boundary >= event.occurred_at {
                break;
            }
            p.feed(&ingest, &std::mem::take(&mut pending), clock.unwrap())
                .await;
            run(&sweeper, boundary, "eq", Utc::now()).await.unwrap();
            last_sweep = Some(boundary);
            cursor = Some(boundary);
        }
        let now = clock.map_or(event.occurred_at, |c| c.max(event.occurred_at));
        clock = Some(now);
        cursor.get_or_insert(now);
        pending.push(value);
    }
    let clock = clock.unwrap();
    p.feed(&ingest, &std::mem::take(&mut pending), clock).await;
    while let Some(c) = cursor {
        let boundary = next_boundary(c);
        if boundary > clock {
            break;
        }
        run(&sweeper, boundary, "eq", Utc::now()).await.unwrap();
        last_sweep = Some(boundary);
        cursor = Some(boundary);
    }
    if last_sweep != Some(clock) {
        run(&sweeper, clock, "eq", Utc::now()).await.unwrap();
    }
    // Assert
    let stored: BTreeSet<_> = p.anomalies().await.iter().map(essence).collect();
    let expected: BTreeSet<_> = expected
        .iter()
        .map(|a| essence(&serde_json::to_value(a).unwrap()))
        .collect();
    let automation = expected
        .iter()
        .filter(|e| e.0 == "access_automation")
        .count();
    assert!(
        automation >= 3,
        "the stream has automation to find: {automation}"
    );
    let missing: Vec<_> = expected.difference(&stored).collect();
    let extra: Vec<_> = stored.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );
}
