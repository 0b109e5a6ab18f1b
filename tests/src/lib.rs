//! Test harness: a moto server on 127.0.0.1, AWS clients pointed at it, and helpers to
//! create the stack's resources (table, buses, queues) under names unique to each test.

pub mod api;
pub mod bus_schemas;
pub mod counter;
pub mod delivery;
pub mod openapi;
pub mod pipeline;
pub mod receiver;
pub mod recorder;
pub mod securityhub;
pub mod verifiers;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

static ENDPOINT: OnceLock<String> = OnceLock::new();
static UNIQUE: AtomicU32 = AtomicU32::new(0);

/// A payload as the Lambda runtime hands it to a handler.
pub fn lambda_event<T>(payload: T) -> lambda_runtime::LambdaEvent<T> {
    lambda_runtime::LambdaEvent::new(payload, lambda_runtime::Context::default())
}

/// A name no other test in this run uses.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        UNIQUE.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The moto endpoint: `MOTO_ENDPOINT` if the test command started one, else a server this
/// process starts from the test virtualenv (and that dies with it).
pub fn endpoint() -> &'static str {
    ENDPOINT.get_or_init(|| {
        if let Ok(url) = std::env::var("MOTO_ENDPOINT") {
            return url;
        }
        let python = workspace_root().join(".venv-test/bin/python");
        let server = workspace_root().join("tests/moto/server.py");
        assert!(
            python.exists(),
            "moto is not installed: run ./scripts/test (it installs moto into .venv-test), or set MOTO_ENDPOINT"
        );
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap();
        let (started, ready) = std::sync::mpsc::channel::<()>();
        // The server is spawned from a thread that lives as long as the process (it waits on
        // the server), so the parent-death signal fires only when the test process exits.
        std::thread::spawn(move || {
            use std::os::unix::process::CommandExt;
            let mut command = Command::new(&python);
            command.arg(&server).args(["-H", "127.0.0.1", "-p", &port.to_string()]);
            command.stdout(Stdio::null()).stderr(Stdio::null());
            // SAFETY: prctl is async-signal-safe and touches no Rust state.
            unsafe {
                command.pre_exec(|| {
                    libc_prctl_pdeathsig();
                    Ok(())
                });
            }
            let mut child = command.spawn().expect("cannot start the moto server");
            started.send(()).ok();
            let _ = child.wait();
        });
        ready.recv().expect("the moto server thread died");
        let url = format!("http://127.0.0.1:{port}");
        wait_until_up(port);
        url
    })
}

fn libc_prctl_pdeathsig() {
    const PR_SET_PDEATHSIG: i32 = 1;
    const SIGTERM: i32 = 15;
    extern "C" {
        fn prctl(option: i32, ...) -> i32;
    }
    // SAFETY: plain syscall wrapper with integer arguments.
    unsafe {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
    }
}

fn wait_until_up(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("moto_server did not start on port {port} within 30 s");
}

/// SDK configuration pointed at moto, with dummy credentials (no IMDS lookups). Also turns
/// on logs for the code under test (`RUST_LOG`, default warnings) in the test's output.
pub async fn sdk_config() -> SdkConfig {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
    let credentials =
        aws_sdk_dynamodb::config::Credentials::new("testing", "testing", None, None, "moto");
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint())
        .credentials_provider(credentials)
        .load()
        .await
}

/// A new symmetric KMS key on moto (what the stack's key is), by ARN: the key webhook
/// secrets are sealed with.
pub async fn secrets_key(config: &SdkConfig) -> String {
    aws_sdk_kms::Client::new(config)
        .create_key()
        .description("webhook secrets (tests)")
        .send()
        .await
        .unwrap()
        .key_metadata
        .and_then(|key| key.arn)
        .unwrap()
}

fn attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .unwrap()
}

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .unwrap()
}

fn gsi(name: &str, pk: &str, sk: &str) -> GlobalSecondaryIndex {
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key(pk, KeyType::Hash))
        .key_schema(key(sk, KeyType::Range))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()
        .unwrap()
}

/// Create the single table as the SAM template does (keys, GSIs, TTL).
pub async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str) {
    use anomalies_core::store::dynamo::keys::*;
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(PK))
        .attribute_definitions(attribute(SK))
        .attribute_definitions(attribute(GSI1_PK))
        .attribute_definitions(attribute(GSI2_PK))
        .attribute_definitions(attribute(GSI3_PK))
        .attribute_definitions(attribute(GSI4_PK))
        .attribute_definitions(attribute(GSI5_PK))
        .attribute_definitions(attribute(GSI6_PK))
        .attribute_definitions(attribute(GSI_SK))
        .attribute_definitions(attribute(GSI7_PK))
        .attribute_definitions(attribute(GSI8_PK))
        .attribute_definitions(attribute(GSI8_SK))
        .key_schema(key(PK, KeyType::Hash))
        .key_schema(key(SK, KeyType::Range))
        .global_secondary_indexes(gsi(GSI1, GSI1_PK, GSI_SK))
        .global_secondary_indexes(gsi(GSI2, GSI2_PK, GSI_SK))
        .global_secondary_indexes(gsi(GSI3, GSI3_PK, GSI_SK))
        .global_secondary_indexes(gsi(GSI4, GSI4_PK, GSI_SK))
        .global_secondary_indexes(gsi(GSI5, GSI5_PK, GSI_SK))
        .global_secondary_indexes(gsi(GSI6, GSI6_PK, GSI_SK))
        .global_secondary_indexes(gsi(GSI7, GSI7_PK, PK))
        .global_secondary_indexes(gsi(GSI8, GSI8_PK, GSI8_SK))
        .send()
        .await
        .unwrap();
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(EXPIRES_AT)
                .enabled(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// Every anomaly item in the table, as JSON (a test-only scan).
pub async fn stored_anomalies(config: &SdkConfig, table: &str) -> Vec<serde_json::Value> {
    let client = aws_sdk_dynamodb::Client::new(config);
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        for item in page.items.unwrap_or_default() {
            use anomalies_core::store::dynamo::keys;
            let is_anomaly = matches!(
                item.get(keys::SK),
                Some(aws_sdk_dynamodb::types::AttributeValue::S(s)) if s == keys::SK_ANOMALY
            );
            if is_anomaly {
                out.push(serde_dynamo::from_item(item).unwrap());
            }
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            return out;
        }
    }
}

/// BatchWriteItem takes at most 25 items per request.
pub const BATCH_WRITE_LIMIT: usize = 25;

/// Store anomalies as the ingest function would (published, version 1), 25 per
/// BatchWriteItem, retrying unprocessed items.
pub async fn seed_anomalies(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    anomalies: &[anomalies_core::anomaly::Anomaly],
) {
    use anomalies_core::store::dynamo::records::AnomalyRecord;
    use anomalies_core::store::dynamo::snapshot::Item;
    let items: Vec<Item> = anomalies
        .iter()
        .map(|a| {
            let mut record = AnomalyRecord::new(a.clone(), 1, 4_000_000_000);
            record.published = true;
            Item::Anomaly(Box::new(record))
        })
        .collect();
    put_items(client, table, &items).await;
}

/// Write items as they are (seeding benchmarks), 25 per BatchWriteItem, retrying unprocessed
/// items.
pub async fn put_items(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    items: &[anomalies_core::store::dynamo::snapshot::Item],
) {
    use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
    for chunk in items.chunks(BATCH_WRITE_LIMIT) {
        let mut requests: Vec<WriteRequest> = chunk
            .iter()
            .map(|item| {
                let attributes = anomalies_core::store::dynamo::client::encode(item).unwrap();
                let put = PutRequest::builder()
                    .set_item(Some(attributes))
                    .build()
                    .unwrap();
                WriteRequest::builder().put_request(put).build()
            })
            .collect();
        while !requests.is_empty() {
            let output = client
                .batch_write_item()
                .request_items(table, requests)
                .send()
                .await
                .unwrap();
            requests = output
                .unprocessed_items
                .and_then(|mut m| m.remove(table))
                .unwrap_or_default();
        }
    }
}

/// An event bus whose events matching `source` land in a new SQS queue; returns the queue
/// URL, from which a test reads what was published.
pub async fn bus_with_capture(config: &SdkConfig, bus: &str, source: &str) -> String {
    let eventbridge = aws_sdk_eventbridge::Client::new(config);
    eventbridge
        .create_event_bus()
        .name(bus)
        .send()
        .await
        .unwrap();
    let (queue_url, arn) = create_queue(config, "capture").await;
    let rule = unique("capture-rule");
    let pattern = serde_json::json!({ "source": [source] }).to_string();
    eventbridge
        .put_rule()
        .name(&rule)
        .event_bus_name(bus)
        .event_pattern(pattern)
        .send()
        .await
        .unwrap();
    let target = aws_sdk_eventbridge::types::Target::builder()
        .id("capture")
        .arn(arn)
        .build()
        .unwrap();
    eventbridge
        .put_targets()
        .rule(&rule)
        .event_bus_name(bus)
        .targets(target)
        .send()
        .await
        .unwrap();
    queue_url
}

/// Every message waiting in a queue (drained), as JSON; the product's bus events among them
/// are checked against their schemas ([`bus_schemas`]).
pub async fn drain(config: &SdkConfig, queue_url: &str) -> Vec<serde_json::Value> {
    let sqs = aws_sdk_sqs::Client::new(config);
    let mut out = Vec::new();
    loop {
        let received = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        let messages = received.messages.unwrap_or_default();
        if messages.is_empty() {
            return out;
        }
        for message in messages {
            let body: serde_json::Value =
                serde_json::from_str(message.body.as_deref().unwrap_or("null")).unwrap();
            bus_schemas::check_published(&body);
            out.push(body);
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(message.receipt_handle.unwrap())
                .send()
                .await
                .unwrap();
        }
    }
}

/// A new queue named after `prefix`: (url, arn).
pub async fn create_queue(config: &SdkConfig, prefix: &str) -> (String, String) {
    let sqs = aws_sdk_sqs::Client::new(config);
    let url = sqs
        .create_queue()
        .queue_name(unique(prefix))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()
        .remove(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .unwrap();
    (url, arn)
}

/// Run each scenario `async fn(Harness)` twice: on the in-memory store (`mod memory`) and on
/// DynamoDB in moto (`mod dynamodb`).
#[macro_export]
macro_rules! on_both_stores {
    ($($scenario:ident),* $(,)?) => {
        mod memory {
            use super::*;
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario($crate::api::Harness::memory()).await;
                }
            )*
        }
        mod dynamodb {
            use super::*;
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario($crate::api::Harness::dynamo().await).await;
                }
            )*
        }
    };
}

/// An SQS batch as Lambda receives it, each body an EventBridge event from the access bus.
pub fn sqs_batch(events: &[serde_json::Value]) -> serde_json::Value {
    let records: Vec<serde_json::Value> = events
        .iter()
        .enumerate()
        .map(|(i, detail)| {
            let body = serde_json::json!({
                "version": "0", "id": format!("eb-{i}"), "detail-type": anomalies_core::bus::DetailType::AccessRequestChanged,
                "source": "jit.platform", "account": "123456789012", "time": "2026-03-02T09:00:00Z",
                "region": "us-east-1", "resources": [], "detail": detail,
            });
            serde_json::json!({
                "messageId": format!("msg-{}", detail["event_id"].as_str().unwrap_or("bad")),
                "receiptHandle": "handle", "body": body.to_string(), "attributes": {},
                "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:access-events", "awsRegion": "us-east-1",
            })
        })
        .collect();
    serde_json::json!({ "Records": records })
}
