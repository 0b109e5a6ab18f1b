//! Batches through snapshots against a table that enforces the write conditions.
use super::*;
use crate::config::Config;
use crate::contract::parse_event;
use crate::engine::Detector;
use crate::generator::{generate_to_string, GeneratorOptions};
use crate::replay::replay_reader;
use crate::store::dynamo::memory_table::MemoryTable;
use crate::store::dynamo::Table;
use std::collections::BTreeMap;

/// A batch's snapshot from the table: every item its events may need.
async fn snapshot(table: &MemoryTable, events: &[AccessEvent]) -> Snapshot {
    let keys: Vec<keys::ItemKey> = events
        .iter()
        .flat_map(|e| event_keys(e).into_iter().chain(candidate_anomaly_keys(e)))
        .collect();
    let mut snapshot = Snapshot::new(Retention::default());
    for item in table.load(&keys).await.unwrap() {
        snapshot.load(item);
    }
    snapshot
}

async fn ingest_batches(table: &MemoryTable, events: &[AccessEvent]) -> BTreeMap<String, Anomaly> {
    let detector = Detector::new(Config::default()).unwrap();
    for batch in events.chunks(10) {
        let mut snapshot = snapshot(table, batch).await;
        for event in batch {
            let outcome = detector.process(&mut snapshot, event.clone(), event.occurred_at);
            let produced = outcome
                .changes
                .iter()
                .map(|c| c.anomaly.id.clone())
                .collect();
            let writes = snapshot.take_writes(event, produced);
            match table.apply(&writes).await {
                Ok(()) => snapshot.commit(),
                Err(_) => snapshot.rollback(event),
            }
        }
    }
    table
        .anomalies()
        .into_iter()
        .map(|a| (a.anomaly.id.to_string(), a.anomaly))
        .collect()
}

fn stream() -> (String, Vec<AccessEvent>) {
    let options = GeneratorOptions {
        seed: 11,
        events: 4_000,
        people: 15,
        bots: 2,
        days: 150,
        ..GeneratorOptions::default()
    };
    let text = generate_to_string(&options);
    let events = text
        .lines()
        .filter_map(|l| parse_event(l.as_bytes()).ok())
        .collect();
    (text, events)
}

#[tokio::test]
async fn batches_through_snapshots_give_the_per_event_anomalies_of_replay() {
    // Arrange
    let (text, events) = stream();
    let detector = Detector::new(Config::default()).unwrap();
    let (replayed, _) = replay_reader(&detector, text.as_bytes(), |_| {}).unwrap();
    let expected: BTreeMap<String, (String, String)> = replayed
        .iter()
        .filter(|a| a.kind != crate::anomaly::AnomalyType::AccessAutomation)
        .map(|a| {
            (
                a.id.to_string(),
                (a.kind.to_string(), a.request_id.to_string()),
            )
        })
        .collect();
    // Act
    let stored = ingest_batches(&MemoryTable::new(), &events).await;
    // Assert
    let got: BTreeMap<String, (String, String)> = stored
        .values()
        .map(|a| {
            (
                a.id.to_string(),
                (a.kind.to_string(), a.request_id.to_string()),
            )
        })
        .collect();
    assert!(expected.len() > 20, "the stream should raise anomalies");
    assert_eq!(got, expected);
}

#[tokio::test]
async fn delivering_every_batch_twice_stores_nothing_new() {
    let (_, events) = stream();
    let table = MemoryTable::new();
    let first = ingest_batches(&table, &events).await;
    let items = table.items().len();
    let second = ingest_batches(&table, &events).await;
    assert_eq!(first, second);
    assert_eq!(table.items().len(), items);
}

#[tokio::test]
async fn a_write_based_on_a_stale_version_is_rejected_and_rolled_back() {
    // Arrange: two "Lambdas" load the same requester, both process a new request.
    let (_, events) = stream();
    let firsts: Vec<&AccessEvent> = events
        .iter()
        .filter(|e| e.request.requester.id == events[0].request.requester.id)
        .collect();
    let (a, b) = (
        firsts[0].clone(),
        firsts
            .iter()
            .find(|e| e.request.id != firsts[0].request.id)
            .copied()
            .unwrap()
            .clone(),
    );
    let table = MemoryTable::new();
    let detector = Detector::new(Config::default()).unwrap();
    let mut one = snapshot(&table, std::slice::from_ref(&a)).await;
    let mut two = snapshot(&table, std::slice::from_ref(&b)).await;
    detector.process(&mut one, a.clone(), a.occurred_at);
    detector.process(&mut two, b.clone(), b.occurred_at);
    let writes_one = one.take_writes(&a, vec![]);
    let writes_two = two.take_writes(&b, vec![]);
    // Act
    let applied_one = table.apply(&writes_one).await;
    let applied_two = table.apply(&writes_two).await;
    two.rollback(&b);
    // Assert: the second write saw a stale requester and changed nothing.
    assert!(applied_one.is_ok());
    assert!(matches!(
        applied_two,
        Err(crate::store::StoreError::Conflict)
    ));
    assert!(two.is_tainted(&b));
    assert!(!two.has_seen(&b.tenant_id, &b.event_id));
    let requester_pk = keys::requester_pk(&b.tenant_id, &b.request.requester.id);
    let key = keys::ItemKey::new(requester_pk, keys::SK_REQUESTER);
    let Some(Item::Requester(stored)) = table.load(&[key]).await.unwrap().pop() else {
        panic!("the requester is stored")
    };
    assert_eq!(stored.version, 1);
    assert_eq!(
        stored.last_activity.as_ref().unwrap().request_id,
        a.request.id
    );
}
