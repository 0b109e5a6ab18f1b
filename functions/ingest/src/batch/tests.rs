//! One batch on the in-memory table and bus: what is stored and announced, and how
//! redelivery recovers from a refused announcement, a conflicting write and a cut-off run
//! without duplicates.

use super::*;
use anomalies_core::bus::{DetailType, MemoryBus};
use anomalies_core::config::Config;
use anomalies_core::contract::parse_observation;
use anomalies_core::engine::Detector;
use anomalies_core::store::dynamo::memory_table::MemoryTable;
use anomalies_core::store::dynamo::snapshot::Retention;
use std::collections::BTreeSet;
use std::sync::Arc;

const DEMO: &str = include_str!("../../../../events/demo-stream.jsonl");

struct Setup {
    ctx: Context,
    table: Arc<MemoryTable>,
    bus: Arc<MemoryBus>,
}

fn setup() -> Setup {
    let table = Arc::new(MemoryTable::new());
    let bus = Arc::new(MemoryBus::default());
    let ctx = Context {
        detector: Detector::new(Config::default()).unwrap(),
        platform_tenant: anomalies_core::domain::TenantId::default_tenant(),
        retention: Retention::default(),
        table: table.clone(),
        bus: bus.clone(),
    };
    Setup { ctx, table, bus }
}

/// What one v1.1 line says, as a message body.
fn said(line: &[u8]) -> Result<Vec<Observation>, crate::message::BadMessage> {
    parse_observation(line)
        .map(|o| vec![o])
        .map_err(crate::message::BadMessage::Contract)
}

/// The demo stream's events as SQS messages (id `m{line}`).
fn demo() -> Vec<Incoming> {
    DEMO.lines()
        .enumerate()
        .map(|(i, line)| Incoming {
            id: format!("m{i}"),
            observations: said(line.as_bytes()),
        })
        .collect()
}

fn at_end() -> DateTime<Utc> {
    "2026-06-01T00:00:00Z".parse().unwrap()
}

/// The demo message with this id, again (as SQS redelivers it).
fn again(id: &str) -> Incoming {
    let line: usize = id[1..].parse().unwrap();
    let text = DEMO.lines().nth(line).unwrap();
    Incoming {
        id: id.to_owned(),
        observations: said(text.as_bytes()),
    }
}

/// What a delivery did: the messages that failed at first, and those still failing after
/// the retries.
#[derive(Debug, Default, PartialEq)]
struct Delivered {
    first_failures: Vec<String>,
    still_failing: Vec<String>,
}

/// Deliver `messages` in batches of 10 (as SQS does); a batch's failed messages come back
/// (up to `retries` times) before the next batch, as SQS redelivers them minutes later.
async fn deliver(ctx: &Context, mut messages: Vec<Incoming>, retries: usize) -> Delivered {
    let mut out = Delivered::default();
    while !messages.is_empty() {
        let rest = messages.split_off(messages.len().min(10));
        let mut failed = process(ctx, std::mem::replace(&mut messages, rest), at_end())
            .await
            .failed;
        out.first_failures.extend(failed.iter().cloned());
        for _ in 0..retries {
            if failed.is_empty() {
                break;
            }
            let batch = failed.iter().map(|id| again(id)).collect();
            failed = process(ctx, batch, at_end()).await.failed;
        }
        out.still_failing.extend(failed);
    }
    out
}

fn announced(bus: &MemoryBus) -> Vec<(DetailType, String)> {
    bus.events()
        .into_iter()
        .map(|e| (e.detail_type, e.resource))
        .collect()
}

#[tokio::test]
async fn the_demo_stream_is_stored_and_announced_once_even_when_delivered_twice() {
    // Arrange
    let s = setup();
    // Act
    let first = deliver(&s.ctx, demo(), 0).await;
    let second = deliver(&s.ctx, demo(), 0).await;
    // Assert
    assert_eq!(
        (first, second),
        (Delivered::default(), Delivered::default())
    );
    let stored = s.table.anomalies();
    let kinds: BTreeSet<&str> = stored.iter().map(|a| a.anomaly.kind.as_str()).collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            "approved_after_rejection",
            "high_risk_access",
            "inactive_user"
        ])
    );
    assert!(stored.iter().all(|a| a.published && a.version == 1));
    let events = announced(&s.bus);
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(events
        .iter()
        .all(|(d, _)| *d == DetailType::AnomalyDetected));
}

#[tokio::test]
async fn a_bad_message_is_rejected_alone() {
    // Arrange: the second message is not an event.
    let s = setup();
    let mut messages: Vec<Incoming> = demo().into_iter().take(3).collect();
    messages[1].observations = said(b"{oops");
    // Act
    let outcome = process(&s.ctx, messages, at_end()).await;
    // Assert
    assert_eq!(outcome.failed, ["m1"]);
    assert_eq!((outcome.summary.rejected, outcome.summary.events), (1, 2));
}

#[tokio::test]
async fn an_event_dated_after_the_clock_skew_is_rejected_alone() {
    // Arrange: the second message is dated a year after the current time.
    let s = setup();
    let mut messages: Vec<Incoming> = demo().into_iter().take(3).collect();
    let future = DEMO
        .lines()
        .nth(1)
        .unwrap()
        .replace("2025-11-20", "2027-06-01");
    messages[1].observations = said(future.as_bytes());
    // Act
    let outcome = process(&s.ctx, messages, at_end()).await;
    // Assert
    assert_eq!(outcome.failed, ["m1"]);
    assert_eq!((outcome.summary.rejected, outcome.summary.events), (1, 2));
}

#[tokio::test]
async fn anomalies_stored_while_the_bus_refused_are_announced_once_on_redelivery() {
    // Arrange: the bus is down for the first delivery (a crash after the write, before the
    // announcement, leaves the same state).
    let s = setup();
    s.bus.set_refusing(true);
    let first = deliver(&s.ctx, demo(), 0).await;
    assert_eq!(
        first.first_failures.len(),
        3,
        "each message whose anomaly was not announced fails"
    );
    assert!(s.table.anomalies().iter().all(|a| !a.published));
    // Act: the bus is back; SQS redelivers everything.
    s.bus.set_refusing(false);
    let second = deliver(&s.ctx, demo(), 0).await;
    // Assert
    assert_eq!(second, Delivered::default());
    assert!(s.table.anomalies().iter().all(|a| a.published));
    let ids: BTreeSet<String> = announced(&s.bus).into_iter().map(|(_, r)| r).collect();
    assert_eq!((announced(&s.bus).len(), ids.len()), (3, 3));
}

#[tokio::test]
async fn a_conflicting_write_fails_its_message_and_redelivery_loses_nothing() {
    // Arrange: the first write meets a concurrent writer.
    let s = setup();
    s.table.conflict_next_writes(1);
    // Act
    let delivered = deliver(&s.ctx, demo(), 2).await;
    // Assert: the message (and the later ones on the same items) came back, then passed,
    // and the table holds what a clean run leaves.
    assert_eq!(delivered.first_failures[0], "m0", "{delivered:?}");
    assert!(delivered.still_failing.is_empty(), "{delivered:?}");
    let clean = setup();
    deliver(&clean.ctx, demo(), 0).await;
    let items = |t: &MemoryTable| -> Vec<Item> { t.items() };
    assert_eq!(items(&s.table), items(&clean.table));
    assert_eq!(announced(&s.bus), announced(&clean.bus));
}

#[tokio::test]
async fn a_run_cut_off_midway_and_redelivered_whole_ends_like_a_clean_run() {
    // Arrange: the function dies after 40 writes (every later write fails).
    let s = setup();
    s.table.fail_writes_after(40);
    let cut = deliver(&s.ctx, demo(), 0).await;
    assert!(!cut.first_failures.is_empty());
    // Act: the function is back; every message comes again (a killed Lambda reports none).
    s.table.fail_writes_after(usize::MAX);
    let redelivered = deliver(&s.ctx, demo(), 0).await;
    // Assert
    assert_eq!(redelivered, Delivered::default());
    let stored = s.table.anomalies();
    assert_eq!(stored.len(), 3);
    assert!(stored.iter().all(|a| a.published));
    assert_eq!(announced(&s.bus).len(), 3, "each anomaly announced once");
}

/// The demo stream with every event after a request's first naming only the request (v1.1;
/// a pending event, which creates the request, keeps describing it).
fn demo_by_id() -> Vec<Incoming> {
    let mut seen = BTreeSet::new();
    DEMO.lines()
        .enumerate()
        .map(|(i, line)| {
            let mut value: serde_json::Value = serde_json::from_str(line).unwrap();
            let request = value["request"].clone();
            let first = seen.insert(request["id"].as_str().unwrap().to_owned());
            if !first && request["status"] != "pending" {
                let mut change =
                    serde_json::json!({"id": request["id"], "status": request["status"]});
                if let Some(decision) = request.get("decision") {
                    change["decision"] = decision.clone();
                }
                value["request"] = change;
            }
            Incoming {
                id: format!("m{i}"),
                observations: said(value.to_string().as_bytes()),
            }
        })
        .collect()
}

#[tokio::test]
async fn state_changes_naming_only_the_request_store_what_whole_events_store() {
    // Arrange: some changes meet their create in the same batch of 10, others a stored one.
    let whole = setup();
    let by_id = setup();
    let changes = demo_by_id()
        .iter()
        .filter(|m| matches!(m.observations.as_deref(), Ok([Observation::Change(_)])))
        .count();
    assert!(
        changes > 5,
        "the demo has state changes to name by id ({changes})"
    );
    // Act
    deliver(&whole.ctx, demo(), 0).await;
    let delivered = deliver(&by_id.ctx, demo_by_id(), 0).await;
    // Assert
    assert_eq!(delivered, Delivered::default());
    assert_eq!(by_id.table.anomalies(), whole.table.anomalies());
    assert_eq!(announced(&by_id.bus), announced(&whole.bus));
}

#[tokio::test]
async fn a_state_change_before_its_create_fails_until_the_create_is_stored() {
    // Arrange: the demo's first request, its change delivered before its create.
    let s = setup();
    let messages = demo_by_id();
    let first_id = messages[0].observations.as_ref().unwrap()[0]
        .request_id()
        .clone();
    let change = messages
        .iter()
        .position(|m| matches!(m.observations.as_deref(), Ok([Observation::Change(c)]) if c.request_id == first_id))
        .unwrap();
    let take = |i: usize| Incoming {
        id: messages[i].id.clone(),
        observations: Ok(messages[i].observations.as_ref().unwrap().clone()),
    };
    // Act
    let early = process(&s.ctx, vec![take(change)], at_end()).await;
    let create = process(&s.ctx, vec![take(0)], at_end()).await;
    let redelivered = process(&s.ctx, vec![take(change)], at_end()).await;
    // Assert
    assert_eq!(early.failed, [messages[change].id.clone()]);
    assert_eq!(
        (early.summary.unknown_requests, early.summary.events),
        (1, 0)
    );
    assert!(create.failed.is_empty() && redelivered.failed.is_empty());
    assert_eq!(redelivered.summary.events, 1);
}
