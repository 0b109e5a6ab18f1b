//! The ingest handler against moto: storage, publication, redelivery, failures, cost.

use anomalies_core::anomaly::AnomalyType;
use anomalies_core::bus::eventbridge::EventBridgeBus;
use anomalies_core::bus::{announce, DetailType, MemoryBus, Publication, SOURCE};
use anomalies_core::config::Config;
use anomalies_core::contract::parse_event;
use anomalies_core::engine::{ChangeKind, Detector};
use anomalies_core::generator::{generate_to_string, GeneratorOptions};
use anomalies_core::replay::replay_reader;
use anomalies_core::store::dynamo::snapshot::Retention;
use anomalies_core::store::dynamo::{keys, DynamoTable};
use aws_config::SdkConfig;
use aws_lambda_events::event::sqs::SqsBatchResponse;
use ingest_function::{handle, Context};
use integration_tests::counter::RequestCounter;
use integration_tests::pipeline::Instrumented;
use integration_tests::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;

struct Stack {
    config: SdkConfig,
    table: String,
    bus: String,
    capture: String,
    dynamodb_requests: RequestCounter,
    eventbridge_requests: RequestCounter,
}

impl Stack {
    async fn new() -> Self {
        let config = sdk_config().await;
        let table = unique("anomalies");
        create_table(&aws_sdk_dynamodb::Client::new(&config), &table).await;
        let bus = unique("anomalies-bus");
        let capture = bus_with_capture(&config, &bus, SOURCE).await;
        Self {
            config,
            table,
            bus,
            capture,
            dynamodb_requests: RequestCounter::default(),
            eventbridge_requests: RequestCounter::default(),
        }
    }

    fn dynamo_table(&self) -> DynamoTable {
        let conf = aws_sdk_dynamodb::config::Builder::from(&self.config)
            .interceptor(self.dynamodb_requests.clone())
            .build();
        DynamoTable::new(aws_sdk_dynamodb::Client::from_conf(conf), &self.table)
    }

    fn publisher(&self) -> EventBridgeBus {
        let conf = aws_sdk_eventbridge::config::Builder::from(&self.config)
            .interceptor(self.eventbridge_requests.clone())
            .build();
        EventBridgeBus::new(aws_sdk_eventbridge::Client::from_conf(conf), &self.bus)
    }

    /// The ingest context on this stack's table and bus, with every request counted.
    fn context(&self) -> Context {
        Context {
            detector: Detector::new(Config::default()).unwrap(),
            platform_tenant: anomalies_core::domain::TenantId::default_tenant(),
            retention: Retention::default(),
            table: Arc::new(self.dynamo_table()),
            bus: Arc::new(self.publisher()),
        }
    }

    /// Whether the table holds a request item for this request id (tenant `acme`).
    async fn has_request(&self, request: &str) -> bool {
        let client = aws_sdk_dynamodb::Client::new(&self.config);
        let tenant = anomalies_core::domain::TenantId::try_from("acme").unwrap();
        let request = anomalies_core::domain::RequestId::try_from(request).unwrap();
        let key = std::collections::HashMap::from([
            (
                keys::PK.to_owned(),
                aws_sdk_dynamodb::types::AttributeValue::S(keys::request_pk(&tenant, &request)),
            ),
            (
                keys::SK.to_owned(),
                aws_sdk_dynamodb::types::AttributeValue::S(keys::SK_REQUEST.into()),
            ),
        ]);
        let item = client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .send()
            .await
            .unwrap();
        item.item.is_some()
    }

    async fn stored_anomalies(&self) -> Vec<Value> {
        stored_anomalies(&self.config, &self.table).await
    }

    async fn published(&self) -> Vec<Value> {
        drain(&self.config, &self.capture).await
    }
}

fn demo_events() -> Vec<Value> {
    include_str!("../../events/demo-stream.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn failures(response: &SqsBatchResponse) -> Vec<String> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect()
}

/// Ingest events in SQS batches of 10 through the handler; the messages that failed.
async fn ingest_all(ctx: &Context, events: &[Value]) -> Vec<String> {
    let mut failed = Vec::new();
    for batch in events.chunks(10) {
        let response = handle(ctx, lambda_event(sqs_batch(batch))).await.unwrap();
        failed.extend(failures(&response));
    }
    failed
}

fn types(values: &[Value]) -> BTreeSet<String> {
    values
        .iter()
        .map(|a| a["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_demo_stream_is_stored_and_published_once_even_when_delivered_twice() {
    // Arrange
    let stack = Stack::new().await;
    let ctx = stack.context();
    // Act
    let first = ingest_all(&ctx, &demo_events()).await;
    let second = ingest_all(&ctx, &demo_events()).await;
    // Assert
    assert!(
        first.is_empty() && second.is_empty(),
        "{first:?} {second:?}"
    );
    let stored = stack.stored_anomalies().await;
    let expected: BTreeSet<String> = [
        "approved_after_rejection",
        "high_risk_access",
        "inactive_user",
    ]
    .map(String::from)
    .into();
    assert_eq!(stored.len(), 3);
    assert_eq!(types(&stored), expected);
    assert!(stored.iter().all(|a| a["published"] == true));
    let published = stack.published().await;
    assert_eq!(published.len(), 3, "{published:#?}");
    for event in &published {
        assert_eq!(event["source"], SOURCE);
        assert_eq!(event["detail-type"], DetailType::AnomalyDetected.as_str());
    }
    let details: Vec<Value> = published.iter().map(|e| e["detail"].clone()).collect();
    assert_eq!(types(&details), expected);
}

#[tokio::test]
async fn a_poison_message_is_the_only_failure_of_its_batch() {
    // Arrange
    let stack = Stack::new().await;
    let ctx = stack.context();
    let mut events = demo_events()[..3].to_vec();
    events[1]["request"]["status"] = Value::from("finished");
    // Act
    let response = handle(&ctx, lambda_event(sqs_batch(&events)))
        .await
        .unwrap();
    // Assert
    let id = format!("msg-{}", events[1]["event_id"].as_str().unwrap());
    assert_eq!(failures(&response), [id]);
    let stored = stack
        .has_request(events[0]["request"]["id"].as_str().unwrap())
        .await;
    assert!(stored, "the good event before the poison one was stored");
}

#[tokio::test]
async fn anomalies_stored_but_not_published_are_published_on_redelivery() {
    // Arrange: the first delivery stores anomalies but cannot announce them.
    let stack = Stack::new().await;
    let refusing = MemoryBus::default();
    refusing.set_refusing(true);
    let broken = Context {
        bus: Arc::new(refusing),
        ..stack.context()
    };
    let events = demo_events();
    let failed = ingest_all(&broken, &events).await;
    assert_eq!(
        failed.len(),
        3,
        "each message whose anomaly was not announced fails: {failed:?}"
    );
    assert!(stack
        .stored_anomalies()
        .await
        .iter()
        .all(|a| a["published"] == false));
    // Act: SQS redelivers everything to a healthy function.
    let failed = ingest_all(&stack.context(), &events).await;
    // Assert: stored once, announced once.
    assert!(failed.is_empty());
    let stored = stack.stored_anomalies().await;
    assert_eq!(stored.len(), 3);
    assert!(stored.iter().all(|a| a["published"] == true));
    assert_eq!(stack.published().await.len(), 3);
}

#[tokio::test]
async fn a_batch_of_ten_ordinary_events_costs_eleven_dynamodb_requests() {
    // Arrange: ten first sightings that raise nothing (ordinary people, ordinary access).
    let stack = Stack::new().await;
    let ctx = stack.context();
    let template = demo_events()
        .into_iter()
        .find(|e| e["request"]["requester"]["id"] == "u-gina")
        .unwrap();
    let events: Vec<Value> = (0..10)
        .map(|i| {
            let mut e = template.clone();
            e["event_id"] = Value::from(format!("cost-{i}"));
            e["request"]["id"] = Value::from(format!("cost-req-{i}"));
            e["request"]["requester"]["id"] = Value::from(format!("person-{i}"));
            e
        })
        .collect();
    // Act
    let response = handle(&ctx, lambda_event(sqs_batch(&events)))
        .await
        .unwrap();
    // Assert: one BatchGetItem for the whole batch, one TransactWriteItems per event.
    assert!(failures(&response).is_empty());
    let counts = stack.dynamodb_requests.by_operation();
    assert_eq!(counts.get("BatchGetItem"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("TransactWriteItems"), Some(&10), "{counts:?}");
    assert_eq!(stack.dynamodb_requests.total(), 11, "{counts:?}");
    assert!(stack.published().await.is_empty());
}

#[tokio::test]
async fn put_events_is_called_once_per_ten_anomalies() {
    // Arrange: 23 anomalies to announce.
    let stack = Stack::new().await;
    let publisher = stack.publisher();
    let anomaly: anomalies_core::anomaly::Anomaly = {
        let detector = Detector::new(Config::default()).unwrap();
        let text = include_str!("../../events/demo-stream.jsonl");
        replay_reader(&detector, text.as_bytes(), |_| {})
            .unwrap()
            .0
            .remove(0)
    };
    let publications: Vec<Publication> = (0..23)
        .map(|i| {
            let mut a = anomaly.clone();
            a.id = anomalies_core::domain::AnomalyId::try_from(format!("anm_{i:032x}")).unwrap();
            Publication {
                kind: ChangeKind::Detected,
                anomaly: a,
                version: 1,
            }
        })
        .collect();
    // Act
    let accepted = announce(&publisher, &publications).await;
    // Assert
    assert!(accepted.iter().all(|ok| *ok));
    assert_eq!(
        stack.eventbridge_requests.by_operation().get("PutEvents"),
        Some(&3)
    );
    assert_eq!(stack.published().await.len(), 23);
}

fn generated(seed: u64, lines: u64) -> String {
    let options = GeneratorOptions {
        seed,
        events: lines,
        people: 20,
        bots: 2,
        days: 150,
        ..GeneratorOptions::default()
    };
    generate_to_string(&options)
}

#[tokio::test]
async fn ingesting_a_generated_stream_finds_what_replay_finds() {
    // Arrange: a few thousand events, bad lines and duplicates included.
    let stack = Stack::new().await;
    let text = generated(5, 3_000);
    let detector = Detector::new(Config::default()).unwrap();
    let (replayed, _) = replay_reader(&detector, text.as_bytes(), |_| {}).unwrap();
    let expected: BTreeSet<(String, String, String)> = replayed
        .iter()
        .filter(|a| a.kind != AnomalyType::AccessAutomation)
        .map(|a| {
            (
                a.id.to_string(),
                a.kind.to_string(),
                a.request_id.to_string(),
            )
        })
        .collect();
    let events: Vec<Value> = text
        .lines()
        .filter(|l| parse_event(l.as_bytes()).is_ok())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Act
    let failed = ingest_all(&stack.context(), &events).await;
    // Assert
    assert!(failed.is_empty(), "{failed:?}");
    let stored: BTreeSet<(String, String, String)> = stack
        .stored_anomalies()
        .await
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().into(),
                a["type"].as_str().unwrap().into(),
                a["request_id"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(expected.len() > 10);
    assert_eq!(stored, expected);
    assert_eq!(stack.published().await.len(), expected.len());
}

#[tokio::test]
async fn two_lambdas_racing_on_one_requester_lose_nothing_after_redelivery() {
    // Arrange: one requester's events split across two concurrent batches.
    let stack = Stack::new().await;
    let (one, two) = (stack.context(), stack.context());
    let events: Vec<Value> = demo_events()
        .into_iter()
        .filter(|e| e["request"]["requester"]["id"] == "u-dan")
        .collect();
    let (left, right): (Vec<_>, Vec<_>) = events
        .iter()
        .cloned()
        .enumerate()
        .partition(|(i, _)| i % 2 == 0);
    let left: Vec<Value> = left.into_iter().map(|(_, e)| e).collect();
    let right: Vec<Value> = right.into_iter().map(|(_, e)| e).collect();
    // Act: race, then redeliver whatever failed until nothing does.
    let (a, b) = tokio::join!(
        handle(&one, lambda_event(sqs_batch(&left))),
        handle(&two, lambda_event(sqs_batch(&right)))
    );
    let mut retry: Vec<Value> = failures(&a.unwrap())
        .into_iter()
        .chain(failures(&b.unwrap()))
        .filter_map(|id| {
            events
                .iter()
                .find(|e| format!("msg-{}", e["event_id"].as_str().unwrap()) == id)
                .cloned()
        })
        .collect();
    for _ in 0..5 {
        if retry.is_empty() {
            break;
        }
        let failed = ingest_all(&one, &retry).await;
        retry.retain(|e| failed.contains(&format!("msg-{}", e["event_id"].as_str().unwrap())));
    }
    // Assert: every request of the requester is recorded.
    assert!(retry.is_empty());
    let requests: BTreeSet<&str> = events
        .iter()
        .map(|e| e["request"]["id"].as_str().unwrap())
        .collect();
    for request in requests {
        assert!(stack.has_request(request).await, "request {request} lost");
    }
}

#[tokio::test]
async fn a_run_killed_midway_and_redelivered_whole_ends_like_a_clean_run() {
    // Arrange: the function dies after 40 of the demo stream's 85 writes.
    let stack = Stack::new().await;
    let killed = Instrumented::new(Arc::new(stack.dynamo_table()));
    killed
        .writes_left
        .store(40, std::sync::atomic::Ordering::SeqCst);
    let dying = Context {
        table: Arc::new(killed),
        ..stack.context()
    };
    let events = demo_events();
    let failed = ingest_all(&dying, &events).await;
    assert!(!failed.is_empty());
    // Act: every message comes back (a killed Lambda reports nothing).
    let failed = ingest_all(&stack.context(), &events).await;
    // Assert
    assert!(failed.is_empty(), "{failed:?}");
    let stored = stack.stored_anomalies().await;
    assert_eq!(stored.len(), 3);
    assert!(stored.iter().all(|a| a["published"] == true));
    let published = stack.published().await;
    let ids: BTreeSet<String> = published
        .iter()
        .map(|e| e["detail"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        published.len(),
        3,
        "each anomaly announced exactly once here"
    );
    assert_eq!(ids.len(), 3);
}
