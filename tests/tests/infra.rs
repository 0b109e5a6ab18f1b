//! The SAM template against the code: every function's environment matches what its config
//! loader reads, every role grants exactly the function's AWS calls, the table matches the key
//! design, the detection parameters make a valid configuration; and the template's plain
//! CloudFormation resources deployed to moto carry the ingest → sweep → query flow.

use anomalies_core::store::dynamo::keys;
use integration_tests::counter::RequestCounter;
use integration_tests::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn template() -> Value {
    let text = std::fs::read_to_string(root().join("infra/template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// What the template must hold for each function.
struct Function {
    logical: &'static str,
    required: &'static [&'static str],
    optional: &'static [&'static str],
    actions: &'static [&'static str],
    /// Triggered by an SQS queue (the role also polls it).
    sqs: bool,
    /// Source the function's own crate and the library code it calls AWS from.
    sources: &'static [&'static str],
}

const FUNCTIONS: [Function; 5] = [
    Function {
        logical: "IngestFunction",
        required: &ingest_function::config::REQUIRED,
        optional: &ingest_function::config::OPTIONAL,
        actions: &ingest_function::config::IAM_ACTIONS,
        sqs: true,
        sources: &[
            "functions/ingest/src",
            "shared/core/src/store/dynamo/client.rs",
            "shared/core/src/publish.rs",
        ],
    },
    Function {
        logical: "SweepFunction",
        required: &sweep_function::config::REQUIRED,
        optional: &sweep_function::config::OPTIONAL,
        actions: &sweep_function::config::IAM_ACTIONS,
        sqs: false,
        sources: &[
            "functions/sweep/src",
            "shared/core/src/store/dynamo/client.rs",
            "shared/core/src/store/dynamo/sweep.rs",
            "shared/core/src/publish.rs",
        ],
    },
    Function {
        logical: "QueryFunction",
        required: &query_function::config::REQUIRED,
        optional: &query_function::config::OPTIONAL,
        actions: &query_function::config::IAM_ACTIONS,
        sqs: false,
        sources: &[
            "functions/query/src",
            "shared/core/src/store/dynamo/anomalies.rs",
            "shared/core/src/store/dynamo/client.rs",
            "shared/webhooks/src/dynamo.rs",
        ],
    },
    Function {
        logical: "FanoutFunction",
        required: &fanout_function::config::REQUIRED,
        optional: &fanout_function::config::OPTIONAL,
        actions: &fanout_function::config::IAM_ACTIONS,
        sqs: true,
        sources: &["functions/fanout/src"],
    },
    Function {
        logical: "WebhooksFunction",
        required: &webhooks_function::config::REQUIRED,
        optional: &webhooks_function::config::OPTIONAL,
        actions: &webhooks_function::config::IAM_ACTIONS,
        sqs: true,
        sources: &["functions/webhooks/src", "shared/webhooks/src/dynamo.rs"],
    },
];

/// What the Lambda service needs to poll an SQS event source with the function's role.
const SQS_POLLING: [&str; 4] = [
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
];

/// SDK fluent calls and the IAM action each needs.
const SDK_CALLS: [(&str, &str); 12] = [
    ("batch_get_item", "dynamodb:BatchGetItem"),
    ("transact_write_items", "dynamodb:TransactWriteItems"),
    ("update_item", "dynamodb:UpdateItem"),
    ("put_item", "dynamodb:PutItem"),
    ("get_item", "dynamodb:GetItem"),
    ("delete_item", "dynamodb:DeleteItem"),
    ("query", "dynamodb:Query"),
    ("scan", "dynamodb:Scan"),
    ("put_events", "events:PutEvents"),
    ("publish_batch", "sns:Publish"),
    ("send_message", "sqs:SendMessage"),
    ("batch_write_item", "dynamodb:BatchWriteItem"),
];

fn rust_files(path: &PathBuf) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.clone()];
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).unwrap() {
        files.extend(rust_files(&entry.unwrap().path()));
    }
    files.retain(|f| f.extension().is_some_and(|e| e == "rs"));
    files
}

/// The IAM actions of the SDK calls written in these sources.
fn calls_in(sources: &[&str]) -> BTreeSet<&'static str> {
    let mut found = BTreeSet::new();
    for source in sources {
        for file in rust_files(&root().join(source)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for (call, action) in SDK_CALLS {
                if text.contains(&format!(".{call}()")) {
                    found.insert(action);
                }
            }
        }
    }
    found
}

fn resource<'a>(template: &'a Value, logical: &str) -> &'a Value {
    let found = &template["Resources"][logical];
    assert!(found.is_object(), "{logical} is not in the template");
    found
}

/// Every action a role's inline policies allow, and every resource they name.
fn role_grants(template: &Value, function: &Value) -> (BTreeSet<String>, Vec<Value>) {
    let role = function["Properties"]["Role"]["Fn::GetAtt"][0]
        .as_str()
        .unwrap();
    let mut actions = BTreeSet::new();
    let mut resources = Vec::new();
    for policy in resource(template, role)["Properties"]["Policies"]
        .as_array()
        .unwrap()
    {
        for statement in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
            assert_eq!(statement["Effect"], "Allow");
            for action in statement["Action"].as_array().unwrap() {
                actions.insert(action.as_str().unwrap().to_owned());
            }
            resources.extend(statement["Resource"].as_array().unwrap().iter().cloned());
        }
    }
    (actions, resources)
}

#[test]
fn every_function_gets_exactly_the_environment_its_config_reads() {
    let template = template();
    for f in &FUNCTIONS {
        let variables = resource(&template, f.logical)["Properties"]["Environment"]["Variables"]
            .as_object()
            .unwrap();
        for name in f.required {
            assert!(
                variables.contains_key(*name),
                "{}: {name} is required but not set",
                f.logical
            );
        }
        for name in variables.keys() {
            assert!(
                f.required.contains(&name.as_str()) || f.optional.contains(&name.as_str()),
                "{}: {name} is set but the function does not read it",
                f.logical
            );
        }
    }
}

#[test]
fn every_role_grants_exactly_the_calls_its_function_makes() {
    let template = template();
    for f in &FUNCTIONS {
        // The declared list matches the code: every declared action has a call site, and every
        // call in the function's own crate is declared.
        let written = calls_in(f.sources);
        let own = calls_in(&f.sources[..1]);
        for action in f.actions {
            assert!(
                written.contains(action),
                "{}: {action} is declared but never called",
                f.logical
            );
        }
        for action in own {
            assert!(
                f.actions.contains(&action),
                "{}: calls {action} but does not declare it",
                f.logical
            );
        }
        // The template grants exactly the declared list (plus SQS polling for queue triggers).
        let mut expected: BTreeSet<String> = f.actions.iter().map(|a| (*a).to_owned()).collect();
        if f.sqs {
            expected.extend(SQS_POLLING.iter().map(|a| (*a).to_owned()));
        }
        let (granted, resources) = role_grants(&template, resource(&template, f.logical));
        assert_eq!(granted, expected, "{}", f.logical);
        for r in resources {
            assert_ne!(
                r,
                json!("*"),
                "{}: a statement on every resource",
                f.logical
            );
        }
    }
}

#[test]
fn the_table_matches_the_key_design() {
    let template = template();
    let table = &resource(&template, "Table")["Properties"];
    assert_eq!(table["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
    assert_eq!(
        table["TimeToLiveSpecification"]["AttributeName"],
        keys::EXPIRES_AT
    );
    let key = |schema: &Value| -> Vec<String> {
        schema
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["AttributeName"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(key(&table["KeySchema"]), [keys::PK, keys::SK]);
    let indexes: BTreeMap<String, Vec<String>> = table["GlobalSecondaryIndexes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["IndexName"].as_str().unwrap().to_owned(),
                key(&i["KeySchema"]),
            )
        })
        .collect();
    let expected: BTreeMap<String, Vec<String>> = [
        (keys::GSI1, keys::GSI1_PK, keys::GSI_SK),
        (keys::GSI2, keys::GSI2_PK, keys::GSI_SK),
        (keys::GSI3, keys::GSI3_PK, keys::GSI_SK),
        (keys::GSI4, keys::GSI4_PK, keys::GSI_SK),
        (keys::GSI5, keys::GSI5_PK, keys::GSI_SK),
        (keys::GSI6, keys::GSI6_PK, keys::GSI_SK),
        (keys::GSI7, keys::GSI7_PK, keys::PK),
        (keys::GSI8, keys::GSI8_PK, keys::GSI8_SK),
    ]
    .into_iter()
    .map(|(name, pk, sk)| (name.to_owned(), vec![pk.to_owned(), sk.to_owned()]))
    .collect();
    assert_eq!(indexes, expected);
}

/// `Fn::Sub` with a variable map, evaluated with the parameters' defaults.
fn substitute(template: &Value, sub: &Value) -> String {
    let parts = sub["Fn::Sub"].as_array().unwrap();
    let mut text = parts[0].as_str().unwrap().to_owned();
    let default = |name: &str| template["Parameters"][name]["Default"].clone();
    for (name, value) in parts[1].as_object().unwrap() {
        let join = value["Fn::Join"].as_array().unwrap();
        let list = default(join[1]["Ref"].as_str().unwrap());
        let joined = list
            .as_str()
            .unwrap()
            .split(',')
            .collect::<Vec<_>>()
            .join(join[0].as_str().unwrap());
        text = text.replace(&format!("${{{name}}}"), &joined);
    }
    for (name, parameter) in template["Parameters"].as_object().unwrap() {
        let value = match &parameter["Default"] {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => continue,
        };
        text = text.replace(&format!("${{{name}}}"), &value);
    }
    text
}

#[test]
fn the_detection_parameters_make_the_default_configuration() {
    // Arrange
    let template = template();
    let ingest = &resource(&template, "IngestFunction")["Properties"]["Environment"]["Variables"];
    let sweep = &resource(&template, "SweepFunction")["Properties"]["Environment"]["Variables"];

    // Act
    let json = substitute(&template, &ingest["DETECTION_CONFIG"]);
    let config = anomalies_core::config::Config::from_json(&json).unwrap();

    // Assert
    assert_eq!(config, anomalies_core::config::Config::default(), "{json}");
    assert_eq!(
        ingest["DETECTION_CONFIG"], sweep["DETECTION_CONFIG"],
        "ingest and sweep detect alike"
    );
}

/// Does this value refer to any of `names` (Ref, Fn::GetAtt, or `${Name}` in Fn::Sub)?
fn refers_to(value: &Value, names: &BTreeSet<String>) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(k, v)| {
            let direct = match (k.as_str(), v) {
                ("Ref", Value::String(n)) => names.contains(n),
                ("Fn::GetAtt", Value::Array(a)) => a
                    .first()
                    .and_then(Value::as_str)
                    .is_some_and(|n| names.contains(n)),
                ("Fn::Sub", Value::String(s)) => names
                    .iter()
                    .any(|n| s.contains(&format!("${{{n}}}")) || s.contains(&format!("${{{n}."))),
                _ => false,
            };
            direct || refers_to(v, names)
        }),
        Value::Array(items) => items.iter().any(|v| refers_to(v, names)),
        _ => false,
    }
}

/// The template without the SAM transform: no `AWS::Serverless::*` resources, nothing that
/// refers to them, no outputs that would.
fn plain_cloudformation(mut template: Value) -> Value {
    let doc = template.as_object_mut().unwrap();
    doc.remove("Transform");
    doc.remove("Globals");
    let resources = doc["Resources"].as_object().unwrap().clone();
    let mut removed: BTreeSet<String> = resources
        .iter()
        .filter(|(_, r)| r["Type"].as_str().unwrap().starts_with("AWS::Serverless::"))
        .map(|(n, _)| n.clone())
        .collect();
    loop {
        let more: Vec<String> = resources
            .iter()
            .filter(|(n, r)| !removed.contains(*n) && refers_to(r, &removed))
            .map(|(n, _)| n.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        removed.extend(more);
    }
    let kept: serde_json::Map<String, Value> = resources
        .into_iter()
        .filter(|(n, _)| !removed.contains(n))
        .collect();
    doc.insert("Resources".into(), Value::Object(kept));
    if let Some(Value::Object(outputs)) = doc.get_mut("Outputs") {
        outputs.retain(|_, o| !refers_to(o, &removed));
    }
    template
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stack_deployed_to_moto_carries_ingest_sweep_and_query() {
    // Arrange: deploy the plain resources under unique names.
    let config = sdk_config().await;
    let body = plain_cloudformation(template());
    for kept in [
        "Table",
        "AccessEventsBus",
        "AnomaliesBus",
        "IngestQueue",
        "IngestRule",
        "FanoutQueue",
        "FanoutRule",
        "AnomaliesTopic",
        "WebhooksQueue",
        "WebhooksSubscription",
        "WebhooksDLQ",
        "IngestDLQAlarm",
    ] {
        assert!(
            body["Resources"].get(kept).is_some(),
            "{kept} should be deployed"
        );
    }
    assert!(body["Resources"].get("IngestFunction").is_none());
    let cloudformation = aws_sdk_cloudformation::Client::new(&config);
    let stack = unique("anomalies-stack");
    let parameter = |k: &str, v: String| {
        aws_sdk_cloudformation::types::Parameter::builder()
            .parameter_key(k)
            .parameter_value(v)
            .build()
    };
    cloudformation
        .create_stack()
        .stack_name(&stack)
        .template_body(body.to_string())
        .parameters(parameter("AccessEventsBusName", unique("access-events")))
        .parameters(parameter("AnomaliesBusName", unique("access-anomalies")))
        .parameters(parameter("JwtIssuer", "https://issuer.example.com".into()))
        .parameters(parameter("JwtAudience", "client-1".into()))
        .send()
        .await
        .unwrap();
    let described = cloudformation
        .describe_stacks()
        .stack_name(&stack)
        .send()
        .await
        .unwrap();
    let details = &described.stacks.unwrap()[0];
    assert_eq!(
        details.stack_status.as_ref().unwrap().as_str(),
        "CREATE_COMPLETE",
        "{:?}",
        details.stack_status_reason
    );
    let outputs: BTreeMap<String, String> = details
        .outputs
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|o| (o.output_key.unwrap(), o.output_value.unwrap()))
        .collect();
    let physical: BTreeMap<String, String> = cloudformation
        .describe_stack_resources()
        .stack_name(&stack)
        .send()
        .await
        .unwrap()
        .stack_resources
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.logical_resource_id.unwrap(),
                r.physical_resource_id.unwrap_or_default(),
            )
        })
        .collect();
    let table = outputs["TableName"].clone();
    let anomalies_bus = outputs["AnomaliesBusName"].clone();

    // Act 1: an access event put on the stack's access bus reaches the ingest queue by its rule.
    let mut event = integration_tests::pipeline::request(
        "alice",
        "r-1",
        "pending",
        chrono::Utc::now(),
        chrono::Utc::now(),
    );
    event["request"]["permissions"] = json!(["admin"]);
    event["request"]["resources"] = json!([{"id": "prod-db", "name": "prod-customers"}]);
    let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
        .event_bus_name(&outputs["AccessEventsBusName"])
        .source("jit.platform")
        .detail_type("Access Request Changed")
        .detail(event.to_string())
        .build();
    aws_sdk_eventbridge::Client::new(&config)
        .put_events()
        .entries(entry)
        .send()
        .await
        .unwrap();
    let ingest_queue = &physical["IngestQueue"];
    let delivered = integration_tests::delivery::receive(&config, ingest_queue, 2).await;
    assert_eq!(
        delivered.records.len(),
        1,
        "the rule routes access events to the ingest queue"
    );

    // Act 2: ingest on the stack's table and bus, with SDK calls recorded.
    let dynamodb_calls = RequestCounter::default();
    let eventbridge_calls = RequestCounter::default();
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&config)
            .interceptor(dynamodb_calls.clone())
            .build(),
    );
    let eventbridge = aws_sdk_eventbridge::Client::from_conf(
        aws_sdk_eventbridge::config::Builder::from(&config)
            .interceptor(eventbridge_calls.clone())
            .build(),
    );
    let detector = || {
        anomalies_core::engine::Detector::new(anomalies_core::config::Config::default()).unwrap()
    };
    let ingest_ctx = ingest_function::batch::Context {
        detector: detector(),
        retention: anomalies_core::store::dynamo::snapshot::Retention::default(),
        table: anomalies_core::store::dynamo::client::DynamoTable::new(dynamodb.clone(), &table),
        publisher: anomalies_core::publish::EventBridgePublisher::new(
            eventbridge.clone(),
            &anomalies_bus,
        ),
    };
    let records: Vec<Value> = delivered
        .records
        .iter()
        .map(|r| json!({"messageId": r.message_id, "receiptHandle": "h", "body": r.body, "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:ingest", "awsRegion": "us-east-1"}))
        .collect();
    let ingested = ingest_function::handler::handle(&ingest_ctx, json!({ "Records": records }))
        .await
        .unwrap();
    assert_eq!(ingested["batchItemFailures"], json!([]));
    assert_permitted("IngestFunction", &dynamodb_calls, &eventbridge_calls);

    // Act 3: the anomaly reaches the fan-out queue by the anomalies bus rule.
    let fanned = integration_tests::delivery::receive(&config, &physical["FanoutQueue"], 2).await;
    assert_eq!(fanned.records.len(), 1);
    let bus_event: Value =
        serde_json::from_str(fanned.records[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(bus_event["detail-type"], "Anomaly Detected");

    // Act 4: a sweep on the stack's table.
    dynamodb_calls.reset();
    eventbridge_calls.reset();
    let sweep_ctx = sweep_function::sweep::Context {
        detector: detector(),
        retention: anomalies_core::store::dynamo::snapshot::Retention::default(),
        table: anomalies_core::store::dynamo::client::DynamoTable::new(dynamodb.clone(), &table),
        publisher: anomalies_core::publish::EventBridgePublisher::new(
            eventbridge.clone(),
            &anomalies_bus,
        ),
        max_groups_per_run: 5000,
        lease: chrono::Duration::minutes(10),
    };
    let schedule = json!({"detail-type": "Scheduled Event", "source": "aws.events", "time": chrono::Utc::now().to_rfc3339(), "detail": {}});
    sweep_function::handler::handle(&sweep_ctx, schedule, "test")
        .await
        .unwrap();
    assert_permitted("SweepFunction", &dynamodb_calls, &eventbridge_calls);

    // Act 5: the query API on the stack's table.
    let sink = std::sync::Arc::new(anomalies_api::local::RecordingSink::new(false));
    let api = integration_tests::api::Harness::dynamo_on(&table, sink.clone(), sink).await;
    let listed = api
        .get("/v1/anomalies", Some(("acme", "alice@acme.example")))
        .await;

    // Assert
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", listed.body);
    assert_eq!(items[0]["type"], "high_risk_access");
    assert_eq!(items[0]["requester"]["id"], "alice");
}

/// Every call a function made during the flow is granted to it.
fn assert_permitted(function: &str, dynamodb: &RequestCounter, eventbridge: &RequestCounter) {
    let declared = FUNCTIONS
        .iter()
        .find(|f| f.logical == function)
        .unwrap()
        .actions;
    let made = dynamodb
        .by_operation()
        .into_keys()
        .map(|op| format!("dynamodb:{op}"))
        .chain(
            eventbridge
                .by_operation()
                .into_keys()
                .map(|op| format!("events:{op}")),
        );
    for action in made {
        assert!(
            declared.contains(&action.as_str()),
            "{function} called {action}, which its role does not grant"
        );
    }
}

#[test]
fn the_readmes_first_event_is_a_valid_put_events_entry_for_the_ingest_rule() {
    // Arrange
    let text = std::fs::read_to_string(root().join("events/put-events.json")).unwrap();
    let entries: Value = serde_json::from_str(&text).unwrap();
    let template = template();
    let pattern = &resource(&template, "IngestRule")["Properties"]["EventPattern"];

    // Act
    let entry = &entries[0];
    let parsed =
        anomalies_core::contract::parse_event(entry["Detail"].as_str().unwrap().as_bytes());

    // Assert
    assert!(parsed.is_ok(), "{parsed:?}");
    assert_eq!(
        entry["EventBusName"],
        template["Parameters"]["AccessEventsBusName"]["Default"]
    );
    assert_eq!(pattern["detail-type"][0], entry["DetailType"]);
}
