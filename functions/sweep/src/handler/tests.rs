//! Sweep runs on the in-memory table and bus, over what the ingest function wrote: detection
//! and idempotence, the budget and resuming, a run cut off mid-way, a bus that refused, a
//! conflicting write, and the lease.

use super::*;
use anomalies_core::bus::{DetailType, MemoryBus};
use anomalies_core::config::Config;
use anomalies_core::contract::parse_observation_value;
use anomalies_core::store::dynamo::memory_table::MemoryTable;
use ingest_function::message::Incoming;
use serde_json::json;
use std::collections::BTreeMap;

struct Setup {
    ctx: Context,
    table: Arc<MemoryTable>,
    bus: Arc<MemoryBus>,
}

fn setup(max_groups_per_run: usize) -> Setup {
    let table = Arc::new(MemoryTable::new());
    let bus = Arc::new(MemoryBus::default());
    let ctx = Context {
        detector: Detector::new(Config::default()).unwrap(),
        retention: Retention::default(),
        table: table.clone(),
        bus: bus.clone(),
        max_groups_per_run,
        lease: Duration::minutes(15),
    };
    Setup { ctx, table, bus }
}

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Requests (requester, request id, created at) through the ingest function onto the
/// table, each with the ingest clock at its own time; what ingest announced is cleared.
async fn ingest(s: &Setup, requests: &[(String, String, DateTime<Utc>)]) {
    let ingest = ingest_function::Context {
        detector: Detector::new(Config::default()).unwrap(),
        platform_tenant: anomalies_core::domain::TenantId::default_tenant(),
        retention: Retention::default(),
        table: s.table.clone(),
        bus: s.bus.clone(),
    };
    for (requester, id, at) in requests {
        let event = json!({
            "event_id": format!("e-{id}"), "tenant_id": "acme", "occurred_at": at.to_rfc3339(),
            "request": {
                "id": id, "status": "pending", "created_at": at.to_rfc3339(),
                "requester": {"id": requester}, "integration": {"id": "pg"},
                "resource_type": "database", "resources": [{"id": "orders"}],
                "permissions": ["write"]
            }
        });
        let message = Incoming {
            id: format!("m-{id}"),
            observations: parse_observation_value(&event)
                .map(|o| vec![o])
                .map_err(ingest_function::message::BadMessage::Contract),
        };
        let outcome = ingest_function::batch::process(&ingest, vec![message], *at).await;
        assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
    }
    s.bus.take();
}

/// `bots` bots, each making five requests a minute apart from 01:00 (rapid fire).
async fn bursts(s: &Setup, bots: usize) {
    let base = t("2026-02-01T01:00:00Z");
    let mut requests = Vec::new();
    for i in 0..5 {
        for bot in 0..bots {
            let at = base + Duration::minutes(i) + Duration::seconds(bot as i64);
            requests.push((format!("bot{bot}"), format!("r{bot}-{i}"), at));
        }
    }
    ingest(s, &requests).await;
}

/// Announcements by anomaly id, in order.
fn announced(bus: &MemoryBus) -> BTreeMap<String, Vec<DetailType>> {
    let mut out: BTreeMap<String, Vec<DetailType>> = BTreeMap::new();
    for event in bus.events() {
        out.entry(event.resource)
            .or_default()
            .push(event.detail_type);
    }
    out
}

fn automation_count(table: &MemoryTable) -> usize {
    table
        .anomalies()
        .iter()
        .filter(|a| a.anomaly.kind.as_str() == "access_automation")
        .count()
}

const AT: &str = "2026-02-01T01:15:00Z";

#[tokio::test]
async fn a_sweep_raises_each_bots_anomaly_once_and_a_retried_sweep_changes_nothing() {
    // Arrange
    let s = setup(10_000);
    bursts(&s, 3).await;
    // Act
    let first = run(&s.ctx, t(AT), "a", Utc::now()).await.unwrap();
    let again = run(&s.ctx, t(AT), "b", Utc::now()).await.unwrap();
    // Assert
    assert!(first.complete && first.detected == 3, "{first:?}");
    assert_eq!(
        (again.detected, again.updated, again.groups),
        (0, 0, 0),
        "{again:?}"
    );
    assert_eq!(automation_count(&s.table), 3);
    let announced = announced(&s.bus);
    assert_eq!(announced.len(), 3);
    assert!(announced
        .values()
        .all(|k| k == &[DetailType::AnomalyDetected]));
}

#[tokio::test]
async fn a_run_stopped_by_its_budget_is_finished_by_the_next() {
    // Arrange: five bots, a budget of two groups per run.
    let s = setup(2);
    bursts(&s, 5).await;
    // Act
    let mut runs = vec![run(&s.ctx, t(AT), "a", Utc::now()).await.unwrap()];
    let checkpoint = s.table.stored_state().unwrap().pending;
    for owner in ["b", "c", "d"] {
        runs.push(run(&s.ctx, t(AT), owner, Utc::now()).await.unwrap());
    }
    // Assert: a checkpoint after the first run, then complete; each anomaly announced once.
    assert!(!runs[0].complete && runs[0].groups == 2, "{:?}", runs[0]);
    assert_eq!(checkpoint.map(|c| c.at), Some(t(AT)));
    let finished = runs
        .iter()
        .position(|r| r.complete)
        .expect("a run completes");
    assert_eq!(runs[finished].completed, vec![t(AT)], "{runs:?}");
    assert_eq!(runs.iter().map(|r| r.detected).sum::<usize>(), 5);
    assert_eq!(announced(&s.bus).len(), 5);
    assert!(announced(&s.bus).values().all(|k| k.len() == 1));
}

#[tokio::test]
async fn a_run_cut_off_at_its_first_write_leaves_a_checkpoint_the_next_run_completes() {
    // Arrange
    let s = setup(10_000);
    bursts(&s, 5).await;
    s.table.fail_writes_after(0);
    // Act
    let cut = run(&s.ctx, t(AT), "a", Utc::now()).await;
    s.table.fail_writes_after(usize::MAX);
    let next = run(&s.ctx, t(AT), "b", Utc::now()).await.unwrap();
    // Assert
    assert!(cut.is_err(), "the cut-off run fails");
    assert!(next.complete && next.detected == 5, "{next:?}");
    assert_eq!(automation_count(&s.table), 5);
    assert!(announced(&s.bus)
        .values()
        .all(|k| k == &[DetailType::AnomalyDetected]));
}

#[tokio::test]
async fn anomalies_the_bus_refused_are_announced_by_the_next_sweep_that_reads_them() {
    // Arrange: the bus is down for the first sweep.
    let s = setup(10_000);
    bursts(&s, 2).await;
    s.bus.set_refusing(true);
    let first = run(&s.ctx, t(AT), "a", Utc::now()).await.unwrap();
    assert_eq!((first.detected, first.publish_failed), (2, 2), "{first:?}");
    assert!(s.table.anomalies().iter().all(|a| !a.published));
    // Act: the next sweep, 15 minutes later, reads the same groups (still in its window).
    s.bus.set_refusing(false);
    let later = t("2026-02-01T01:30:00Z");
    let second = run(&s.ctx, later, "b", Utc::now()).await.unwrap();
    // Assert
    assert_eq!(second.republished, 2, "{second:?}");
    assert!(s.table.anomalies().iter().all(|a| a.published));
    assert!(announced(&s.bus)
        .values()
        .all(|k| k == &[DetailType::AnomalyDetected]));
}

#[tokio::test]
async fn a_chunk_that_meets_a_concurrent_write_is_evaluated_again() {
    let s = setup(10_000);
    bursts(&s, 2).await;
    s.table.conflict_next_writes(1);
    let summary = run(&s.ctx, t(AT), "a", Utc::now()).await.unwrap();
    assert!(summary.complete && summary.detected == 2, "{summary:?}");
    assert_eq!(automation_count(&s.table), 2);
}

#[tokio::test]
async fn a_run_while_another_holds_the_lease_does_nothing() {
    // Arrange: another invocation holds the lease.
    let s = setup(10_000);
    bursts(&s, 1).await;
    let now = Utc::now();
    assert!(s
        .table
        .acquire_lease("other", now, now + Duration::minutes(10))
        .await
        .unwrap());
    // Act
    let skipped = run(&s.ctx, t(AT), "me", now).await.unwrap();
    // Assert
    assert_eq!(
        skipped.skipped.as_deref(),
        Some("another sweep holds the lease")
    );
    assert_eq!((skipped.groups, automation_count(&s.table)), (0, 0));
}

#[tokio::test]
async fn the_scheduled_events_time_is_swept_and_a_bad_time_is_not_retried() {
    let s = setup(10_000);
    bursts(&s, 1).await;
    let event =
        |time: &str| LambdaEvent::new(json!({"time": time}), lambda_runtime::Context::default());
    let summary = handle(&s.ctx, event(AT)).await.unwrap();
    assert_eq!((summary.at, summary.detected), (Some(t(AT)), 1));
    let err = handle(&s.ctx, event("noon")).await.unwrap_err();
    assert_eq!(Diagnostic::from(err).error_type, "InvalidPayload");
}

#[tokio::test]
async fn a_requester_inactive_past_the_window_is_marked_dormant_once() {
    // Arrange: one requester last seen 95 days before T, one 10 days before.
    let s = setup(10_000);
    let at = t("2026-06-01T00:15:00Z");
    let requests = [("old", 95), ("recent", 10)].map(|(who, days)| {
        (
            who.to_owned(),
            format!("{who}-1"),
            at - Duration::days(days),
        )
    });
    ingest(&s, &requests).await;
    // Act
    let first = run(&s.ctx, at, "a", Utc::now()).await.unwrap();
    let again = run(&s.ctx, at + Duration::minutes(15), "b", Utc::now())
        .await
        .unwrap();
    // Assert
    assert_eq!(
        (first.dormant, again.dormant),
        (1, 0),
        "{first:?} {again:?}"
    );
    let dormant: Vec<String> = s
        .table
        .items()
        .into_iter()
        .filter_map(|item| match item {
            anomalies_core::store::dynamo::snapshot::Item::Requester(r) if r.is_dormant() => {
                Some(r.requester_id.to_string())
            }
            _ => None,
        })
        .collect();
    assert_eq!(dormant, ["old"]);
}
