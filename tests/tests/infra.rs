//! The SAM template against the code: every function's environment matches what its config
//! loader reads, every role grants exactly the function's AWS calls, the table matches the key
//! design, the detection parameters make a valid configuration; and the template's plain
//! CloudFormation resources deployed to moto carry the ingest → sweep → query flow.

use anomalies_core::env::{ANOMALIES_BUS_NAME, TABLE_NAME};
use anomalies_core::store::dynamo::keys;
use integration_tests::recorder::{recording, CallLog};
use integration_tests::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn template() -> Value {
    let text = std::fs::read_to_string(root().join("infra/template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// What the template must hold for each function; its crate is `functions/<name>` where
/// `<name>` is the logical id without `Function`, lower-cased.
struct Function {
    logical: &'static str,
    required: &'static [&'static str],
    optional: &'static [&'static str],
    actions: &'static [&'static str],
    /// Triggered by an SQS queue (the role also polls it).
    sqs: bool,
}

impl Function {
    fn crate_dir(&self) -> PathBuf {
        let name = self.logical.trim_end_matches("Function").to_lowercase();
        root().join("functions").join(name).join("src")
    }
}

const FUNCTIONS: [Function; 6] = [
    Function {
        logical: "IngestFunction",
        required: &ingest_function::config::REQUIRED,
        optional: &ingest_function::config::OPTIONAL,
        actions: &ingest_function::config::IAM_ACTIONS,
        sqs: true,
    },
    Function {
        logical: "SweepFunction",
        required: &sweep_function::config::REQUIRED,
        optional: &sweep_function::config::OPTIONAL,
        actions: &sweep_function::config::IAM_ACTIONS,
        sqs: false,
    },
    Function {
        logical: "QueryFunction",
        required: &query_function::config::REQUIRED,
        optional: &query_function::config::OPTIONAL,
        actions: &query_function::config::IAM_ACTIONS,
        sqs: false,
    },
    Function {
        logical: "FanoutFunction",
        required: &fanout_function::config::REQUIRED,
        optional: &fanout_function::config::OPTIONAL,
        actions: &fanout_function::config::IAM_ACTIONS,
        sqs: true,
    },
    Function {
        logical: "WebhooksFunction",
        required: &webhooks_function::config::REQUIRED,
        optional: &webhooks_function::config::OPTIONAL,
        actions: &webhooks_function::config::IAM_ACTIONS,
        sqs: true,
    },
    Function {
        logical: "SecurityHubFunction",
        required: &securityhub_function::config::REQUIRED,
        optional: &securityhub_function::config::OPTIONAL,
        actions: &securityhub_function::config::IAM_ACTIONS,
        sqs: true,
    },
];

fn function(logical: &str) -> &'static Function {
    FUNCTIONS.iter().find(|f| f.logical == logical).unwrap()
}

/// What the Lambda service needs to poll an SQS event source with the function's role.
const SQS_POLLING: [&str; 4] = [
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
];

/// SDK fluent calls and the IAM action each needs.
const SDK_CALLS: [(&str, &str); 15] = [
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
    ("batch_import_findings", "securityhub:BatchImportFindings"),
    ("generate_data_key", "kms:GenerateDataKey"),
    ("decrypt", "kms:Decrypt"),
];

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).unwrap() {
        files.extend(rust_files(&entry.unwrap().path()));
    }
    files.retain(|f| f.extension().is_some_and(|e| e == "rs"));
    files
}

/// The IAM actions of the SDK calls written in one file (its tests excluded).
fn calls_in(file: &Path) -> BTreeSet<&'static str> {
    let text = std::fs::read_to_string(file).unwrap();
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    SDK_CALLS
        .iter()
        .filter(|(call, _)| code.contains(&format!(".{call}()")))
        .map(|(_, action)| *action)
        .collect()
}

/// The types a file implements methods or traits on (`impl X`, `impl Trait for X`).
fn implemented_types(file: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut types = BTreeSet::new();
    for line in text.lines().map(str::trim_start) {
        let Some(rest) = line.strip_prefix("impl") else {
            continue;
        };
        let head = rest.split('{').next().unwrap_or_default();
        let target = head.rsplit(" for ").next().unwrap_or(head);
        let name: String = target
            .trim()
            .trim_start_matches('<')
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            types.insert(name);
        }
    }
    types
}

/// The library files with SDK calls (the shared adapters), with the types they implement.
fn library_adapters() -> Vec<(PathBuf, BTreeSet<String>, BTreeSet<&'static str>)> {
    let shared = root().join("shared").canonicalize().unwrap();
    rust_files(&shared)
        .into_iter()
        .filter(|f| {
            let inside = f.strip_prefix(&shared).unwrap();
            !inside.components().any(|c| c.as_os_str() == "tests")
        })
        .map(|f| {
            let calls = calls_in(&f);
            (f.clone(), implemented_types(&f), calls)
        })
        .filter(|(file, _, calls)| {
            !calls.is_empty() && std::fs::read_to_string(file).unwrap().contains("aws_sdk_")
        })
        .collect()
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
fn a_functions_sdk_calls_are_written_in_its_aws_module_only() {
    for f in &FUNCTIONS {
        for file in rust_files(&f.crate_dir()) {
            if file.file_name().is_some_and(|n| n == "aws.rs") {
                continue;
            }
            assert!(
                calls_in(&file).is_empty(),
                "{}: {} calls AWS; adapters belong in aws.rs",
                f.logical,
                file.display()
            );
        }
    }
}

#[test]
fn every_role_grants_exactly_the_calls_its_function_makes() {
    let template = template();
    let adapters = library_adapters();
    assert!(
        adapters.len() >= 5,
        "the shared adapters are found: {adapters:?}"
    );
    for f in &FUNCTIONS {
        // Every call in the function's own crate (any file) is declared.
        let files = rust_files(&f.crate_dir());
        let own: BTreeSet<&str> = files.iter().flat_map(|file| calls_in(file)).collect();
        for action in &own {
            assert!(
                f.actions.contains(action),
                "{}: calls {action} but does not declare it",
                f.logical
            );
        }
        // Every declared action has a call site in code the function wires: its own, or a
        // shared adapter implemented on a type the function names.
        let text: String = files
            .iter()
            .map(|file| std::fs::read_to_string(file).unwrap())
            .collect();
        let named = |t: &String| {
            text.match_indices(t.as_str()).any(|(i, _)| {
                let before = text[..i].chars().next_back();
                let after = text[i + t.len()..].chars().next();
                !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                    && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        };
        let mut reachable = own.clone();
        for (_, types, calls) in &adapters {
            if types.iter().any(named) {
                reachable.extend(calls);
            }
        }
        for action in f.actions {
            assert!(
                reachable.contains(action),
                "{}: {action} is declared but never called",
                f.logical
            );
        }
        // The template grants exactly the declared list, plus SQS polling for queue triggers,
        // sending to the function's asynchronous DLQ, and the stack key's use for both.
        let function = resource(&template, f.logical);
        let mut expected: BTreeSet<String> = f.actions.iter().map(|a| (*a).to_owned()).collect();
        if f.sqs {
            expected.extend(SQS_POLLING.iter().map(|a| (*a).to_owned()));
        }
        if function["Properties"]["DeadLetterQueue"]["Type"] == "SQS" {
            expected.insert("sqs:SendMessage".to_owned());
        }
        expected.extend(key_use(&expected));
        let (granted, resources) = role_grants(&template, function);
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

/// What a role needs of the stack's KMS key for the encrypted resources its grants reach: the
/// table's use, decrypting the queue it polls, and encrypting what it sends to a queue or
/// publishes to a topic.
fn key_use(grants: &BTreeSet<String>) -> BTreeSet<String> {
    let has = |prefix: &str| grants.iter().any(|g| g.starts_with(prefix));
    let mut key = BTreeSet::new();
    if has("dynamodb:") {
        key.extend(KEY_TABLE_USE);
    }
    if has("sqs:ReceiveMessage") {
        key.insert("kms:Decrypt");
    }
    if has("sqs:SendMessage") || has("sns:Publish") {
        key.extend(["kms:Decrypt", "kms:GenerateDataKey"]);
    }
    key.into_iter().map(str::to_owned).collect()
}

/// What DynamoDB needs of a caller on a table encrypted with a customer-managed key.
const KEY_TABLE_USE: [&str; 4] = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
];

/// The stack's key: the one it made, or the one `KmsKeyArn` names.
fn stack_key() -> Value {
    json!({"Fn::If": ["CreateKey", {"Fn::GetAtt": ["EncryptionKey", "Arn"]}, {"Ref": "KmsKeyArn"}]})
}

#[test]
fn everything_stored_or_queued_is_encrypted_with_the_stacks_key() {
    // Arrange: each kind of resource and where its key goes.
    let template = template();
    let key_property = |kind: &str| match kind {
        "AWS::DynamoDB::Table" => Some("/Properties/SSESpecification/KMSMasterKeyId"),
        "AWS::SQS::Queue" | "AWS::SNS::Topic" => Some("/Properties/KmsMasterKeyId"),
        "AWS::Logs::LogGroup" | "AWS::SecretsManager::Secret" => Some("/Properties/KmsKeyId"),
        _ => None,
    };
    // Act
    let mut checked = BTreeMap::new();
    for (name, r) in template["Resources"].as_object().unwrap() {
        if let Some(pointer) = key_property(r["Type"].as_str().unwrap()) {
            checked.insert(name.clone(), r.pointer(pointer).cloned());
        }
    }
    // Assert: the table, 9 queues, 2 topics, 7 log groups and the secret; the functions
    // environment too.
    assert_eq!(checked.len(), 20, "{checked:?}");
    for (name, key) in &checked {
        assert_eq!(key.as_ref(), Some(&stack_key()), "{name}");
    }
    assert_eq!(template["Globals"]["Function"]["KmsKeyArn"], stack_key());
    let key = resource(&template, "EncryptionKey");
    assert_eq!(key["Properties"]["EnableKeyRotation"], true);
    assert_eq!(
        key["DeletionPolicy"], "Retain",
        "a retained table needs its key"
    );
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

    // Act: DetectionConfig unset, the parameters make the configuration.
    let choice = ingest["DETECTION_CONFIG"]["Fn::If"].as_array().unwrap();
    let json = substitute(&template, &choice[2]);
    let config = anomalies_core::config::Config::from_json(&json).unwrap();

    // Assert
    assert_eq!(config, anomalies_core::config::Config::default(), "{json}");
    assert_eq!(choice[0], "HasDetectionConfig");
    assert_eq!(choice[1]["Ref"], "DetectionConfig");
    assert_eq!(template["Parameters"]["DetectionConfig"]["Default"], "");
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

/// A stack's outputs and its resources' physical ids, by logical id.
struct Deployed {
    outputs: BTreeMap<String, String>,
    physical: BTreeMap<String, String>,
}

/// Deploy the template's plain resources to moto under unique bus names, with `extra`
/// parameters.
async fn deploy(
    config: &aws_config::SdkConfig,
    body: &Value,
    extra: &[(&str, String)],
) -> Deployed {
    let cloudformation = aws_sdk_cloudformation::Client::new(config);
    let stack = unique("anomalies-stack");
    let parameter = |k: &str, v: String| {
        aws_sdk_cloudformation::types::Parameter::builder()
            .parameter_key(k)
            .parameter_value(v)
            .build()
    };
    let mut create = cloudformation
        .create_stack()
        .stack_name(&stack)
        .template_body(body.to_string())
        .parameters(parameter("AccessEventsBusName", unique("access-events")))
        .parameters(parameter("AnomaliesBusName", unique("access-anomalies")))
        .parameters(parameter("JwtIssuer", "https://issuer.example.com".into()))
        .parameters(parameter("JwtAudience", "client-1".into()));
    for (key, value) in extra {
        create = create.parameters(parameter(key, value.clone()));
    }
    create.send().await.unwrap();
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
    let outputs = details
        .outputs
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|o| (o.output_key.unwrap(), o.output_value.unwrap()))
        .collect();
    let physical = cloudformation
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
    Deployed { outputs, physical }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stack_deployed_to_moto_carries_every_function_with_only_its_granted_calls() {
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
        "SecurityHubQueue",
        "SecurityHubRule",
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
    let security_hub = [("SecurityHubFindings", "true".to_owned())];
    let Deployed { outputs, physical } = deploy(&config, &body, &security_hub).await;
    let table = outputs["TableName"].clone();
    let anomalies_bus = outputs["AnomaliesBusName"].clone();
    assert!(
        outputs["AlarmsTopicArn"].starts_with("arn:aws:sns:"),
        "without AlarmTopicArn the stack makes the alarm topic: {outputs:?}"
    );

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
        .detail_type(anomalies_core::bus::DetailType::AccessRequestChanged.as_str())
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

    // Every function below is its production context (`Context::from_config`) on the
    // stack's resources, through an SDK configuration that records the calls it makes.
    let env = |pairs: Vec<(&'static str, String)>| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        }
    };
    let detection_env = || {
        vec![
            (TABLE_NAME, table.clone()),
            (ANOMALIES_BUS_NAME, anomalies_bus.clone()),
        ]
    };

    // Act 2: ingest.
    let (sdk, calls) = recording(&config);
    let ingest_config = ingest_function::config::IngestConfig::from_lookup(env(detection_env()));
    let ingest = ingest_function::Context::from_config(&ingest_config.unwrap(), &sdk).unwrap();
    let ingested = ingest_function::handle(&ingest, lambda_event(as_lambda_records(&delivered)))
        .await
        .unwrap();
    assert!(ingested.batch_item_failures.is_empty());
    assert_permitted("IngestFunction", &calls);

    // Act 3: the query API registers a webhook, lists the anomaly and triages it.
    let receiver = integration_tests::receiver::Receiver::start().await;
    let (sdk, calls) = recording(&config);
    let mut query_env = detection_env();
    query_env.extend([
        (
            query_function::config::CURSOR_SECRET,
            "a cursor secret of at least 32 bytes".into(),
        ),
        (
            anomalies_webhooks::WEBHOOK_ALLOW_PRIVATE_TARGETS,
            "true".into(),
        ),
        (
            anomalies_webhooks::SECRETS_KEY_ARN,
            physical["EncryptionKey"].clone(),
        ),
    ]);
    let query_config = query_function::config::QueryConfig::from_lookup(env(query_env)).unwrap();
    let query = query_function::Context::from_config(&query_config, &sdk).unwrap();
    let api = integration_tests::api::Harness::on_router(query.router);
    let caller = Some(("acme", "alice@acme.example"));
    let hook = json!({"name": "stack", "url": receiver.url}).to_string();
    let created = api.call("POST", "/v1/webhooks", caller, Some(&hook)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let listed = api.get("/v1/anomalies", caller).await;
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", listed.body);
    assert_eq!(items[0]["type"], "high_risk_access");
    assert_eq!(items[0]["requester"]["id"], "alice");
    let uri = format!("/v1/anomalies/{}", items[0]["id"].as_str().unwrap());
    let triage = r#"{"status":"acknowledged","note":"looking"}"#;
    let patched = api.call("PATCH", &uri, caller, Some(triage)).await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_permitted("QueryFunction", &calls);

    // Act 4: both announcements reach the fan-out queue by the anomalies bus rule; fan-out
    // publishes them to the stack's topic. (moto's CloudFormation skips
    // `AWS::SNS::Subscription`, so the template's subscription is made here as it says.)
    let whole = template();
    let subscription = &resource(&whole, "WebhooksSubscription")["Properties"];
    assert_eq!(subscription["Protocol"], "sqs");
    assert_eq!(
        subscription["Endpoint"]["Fn::GetAtt"],
        json!(["WebhooksQueue", "Arn"])
    );
    let webhooks_queue_arn = aws_sdk_sqs::Client::new(&config)
        .get_queue_attributes()
        .queue_url(&physical["WebhooksQueue"])
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    integration_tests::delivery::subscribe(
        &config,
        &outputs["AnomaliesTopicArn"],
        &webhooks_queue_arn,
        None,
    )
    .await;
    let fanned = integration_tests::delivery::receive(&config, &physical["FanoutQueue"], 2).await;
    let kinds: BTreeSet<String> = fanned
        .records
        .iter()
        .map(|r| {
            let event: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
            event["detail-type"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        kinds,
        ["Anomaly Detected", "Anomaly Updated"]
            .map(String::from)
            .into()
    );
    let (sdk, calls) = recording(&config);
    let fanout_config = fanout_function::config::FanoutConfig::from_lookup(env(vec![(
        fanout_function::config::ANOMALIES_TOPIC_ARN,
        outputs["AnomaliesTopicArn"].clone(),
    )]));
    let fanout = fanout_function::Context::from_config(&fanout_config.unwrap(), &sdk);
    let forwarded = fanout_function::handle(&fanout, lambda_event(fanned))
        .await
        .unwrap();
    assert!(forwarded.batch_item_failures.is_empty());
    assert_permitted("FanoutFunction", &calls);

    // Act 4b: the Security Hub rule queues both too; the function imports the anomaly as one
    // finding under the account's default product, in its triaged state.
    let queued =
        integration_tests::delivery::receive(&config, &physical["SecurityHubQueue"], 2).await;
    assert_eq!(
        queued.records.len(),
        2,
        "the Security Hub rule queues both events"
    );
    let (sdk, calls) = recording(&config);
    // moto's default account and the harness's region.
    let product = "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default";
    let hub_config = securityhub_function::config::SecurityHubConfig::from_lookup(env(vec![(
        securityhub_function::config::SECURITY_HUB_PRODUCT_ARN,
        product.to_owned(),
    )]));
    let hub = securityhub_function::Context::from_config(&hub_config.unwrap(), &sdk);
    let imported = securityhub_function::handle(&hub, lambda_event(queued))
        .await
        .unwrap();
    assert!(imported.batch_item_failures.is_empty());
    assert_permitted("SecurityHubFunction", &calls);
    let anomaly_id = items[0]["id"].as_str().unwrap();
    let findings = integration_tests::securityhub::findings(&config, &[anomaly_id]).await;
    let finding = &findings[anomaly_id];
    assert_eq!(finding.product_arn.as_deref(), Some(product));
    assert_eq!(
        finding
            .workflow
            .as_ref()
            .and_then(|w| w.status.as_ref())
            .map(|s| s.as_str()),
        Some("NOTIFIED"),
        "acknowledged in triage"
    );
    assert_eq!(
        finding.record_state.as_ref().map(|s| s.as_str()),
        Some("ACTIVE")
    );

    // Act 5: the topic's subscription fills the webhooks queue; the webhooks function
    // delivers both to the registered receiver.
    let queued = integration_tests::delivery::receive(&config, &physical["WebhooksQueue"], 2).await;
    assert_eq!(
        queued.records.len(),
        2,
        "the subscription delivers to the queue"
    );
    let (sdk, calls) = recording(&config);
    let mut webhooks_env = detection_env();
    webhooks_env.extend([
        (
            webhooks_function::config::WEBHOOK_QUEUE_URL,
            physical["WebhooksQueue"].clone(),
        ),
        (
            webhooks_function::config::WEBHOOK_DLQ_URL,
            outputs["WebhooksDLQUrl"].clone(),
        ),
        (
            anomalies_webhooks::WEBHOOK_ALLOW_PRIVATE_TARGETS,
            "true".into(),
        ),
        (
            anomalies_webhooks::SECRETS_KEY_ARN,
            physical["EncryptionKey"].clone(),
        ),
    ]);
    let webhooks_config = webhooks_function::config::WebhooksConfig::from_lookup(env(webhooks_env));
    let webhooks =
        webhooks_function::Context::from_config(&webhooks_config.unwrap(), &sdk).unwrap();
    let delivered = webhooks_function::handle(&webhooks, lambda_event(queued))
        .await
        .unwrap();
    assert!(delivered.batch_item_failures.is_empty());
    assert_eq!(receiver.received().len(), 2, "both events are delivered");
    assert_permitted("WebhooksFunction", &calls);

    // Act 6: a sweep.
    let (sdk, calls) = recording(&config);
    let sweep_config = sweep_function::config::SweepConfig::from_lookup(env(detection_env()));
    let sweep = sweep_function::Context::from_config(&sweep_config.unwrap(), &sdk).unwrap();
    let schedule = json!({"detail-type": "Scheduled Event", "source": "aws.events", "time": chrono::Utc::now().to_rfc3339(), "detail": {}});
    let swept = sweep_function::handle(&sweep, lambda_event(schedule))
        .await
        .unwrap();
    assert!(swept.complete, "{swept:?}");
    assert_permitted("SweepFunction", &calls);
}

#[test]
fn security_hub_resources_are_made_only_when_enabled_and_import_into_the_default_product_only() {
    // Arrange
    let template = template();
    let parameter = &template["Parameters"]["SecurityHubFindings"];
    let resources = template["Resources"].as_object().unwrap();

    // Act
    let security_hub: Vec<(&String, &Value)> = resources
        .iter()
        .filter(|(name, _)| name.starts_with("SecurityHub"))
        .collect();
    let (granted, _) = role_grants(&template, resource(&template, "SecurityHubFunction"));
    let role = &resource(&template, "SecurityHubRole")["Properties"]["Policies"][0];
    let import = role["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"].to_string().contains("securityhub:"))
        .unwrap();

    // Assert
    assert_eq!(parameter["Default"], "false");
    assert_eq!(
        template["Conditions"]["SecurityHubEnabled"],
        json!({"Fn::Equals": [{"Ref": "SecurityHubFindings"}, "true"]})
    );
    assert!(
        security_hub.len() >= 9,
        "{:?}",
        security_hub.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    for (name, r) in &security_hub {
        assert_eq!(
            r["Condition"], "SecurityHubEnabled",
            "{name} is made only when enabled"
        );
    }
    assert_eq!(
        template["Outputs"]["SecurityHubDLQUrl"]["Condition"],
        "SecurityHubEnabled"
    );
    assert!(granted.contains("securityhub:BatchImportFindings"));
    assert_eq!(import["Action"], json!(["securityhub:BatchImportFindings"]));
    let product = "arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:product/${AWS::AccountId}/default";
    assert_eq!(import["Resource"], json!([{"Fn::Sub": product}]));
    let variables =
        &resource(&template, "SecurityHubFunction")["Properties"]["Environment"]["Variables"];
    assert_eq!(
        variables["SECURITY_HUB_PRODUCT_ARN"],
        json!({"Fn::Sub": product})
    );
}

/// Messages received from a queue as the Lambda SQS event the ingest handler parses.
fn as_lambda_records(received: &aws_lambda_events::event::sqs::SqsEvent) -> Value {
    let records: Vec<Value> = received
        .records
        .iter()
        .map(|r| json!({"messageId": r.message_id, "receiptHandle": "h", "body": r.body, "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:ingest", "awsRegion": "us-east-1"}))
        .collect();
    json!({ "Records": records })
}

/// Every call a function made is granted to it, and it made some.
fn assert_permitted(function: &str, calls: &CallLog) {
    let declared = self::function(function).actions;
    let made = calls.actions();
    assert!(!made.is_empty(), "{function} made no AWS call");
    for action in &made {
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
    let detail = entry["Detail"].as_str().unwrap();
    let parsed = anomalies_core::contract::parse_event(detail.as_bytes());
    let detector =
        anomalies_core::engine::Detector::new(anomalies_core::config::Config::default()).unwrap();
    let (anomalies, _) =
        anomalies_core::replay::replay_reader(&detector, format!("{detail}\n").as_bytes(), |_| {})
            .unwrap();

    // Assert: a valid event on the default bus name, matched by the ingest rule, that raises
    // an anomaly for the tenant the README's query names.
    assert!(parsed.is_ok(), "{parsed:?}");
    assert_eq!(
        entry["EventBusName"],
        template["Parameters"]["AccessEventsBusName"]["Default"]
    );
    assert_eq!(pattern["detail-type"][0], entry["DetailType"]);
    assert_eq!(anomalies.len(), 1, "the first event raises one anomaly");
    assert_eq!(anomalies[0].kind.as_str(), "high_risk_access");
    assert_eq!(anomalies[0].tenant_id.as_str(), "acme");
}

/// The README's deploy block: the shell lines from `### Build, deploy, use, tear down`.
fn readme_deploy_block() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("### Build, deploy, use, tear down")
        .nth(1)
        .unwrap();
    section
        .split("```sh")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn the_readmes_deploy_steps_use_only_what_the_template_has_and_what_they_have_read() {
    // Arrange
    let template = template();
    let block = readme_deploy_block();
    let outputs: BTreeSet<&str> = template["Outputs"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let parameters: BTreeSet<&str> = template["Parameters"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    // Act
    let read: BTreeSet<&str> = block
        .split("$(out ")
        .skip(1)
        .map(|rest| rest.split(')').next().unwrap())
        .collect();
    let listed: BTreeSet<&str> = block
        .lines()
        .filter(|l| l.starts_with("# outputs:") || l.starts_with("#          "))
        .flat_map(|l| {
            l.trim_start_matches("# outputs:")
                .trim_start_matches('#')
                .split(',')
        })
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect();
    let asked: Vec<&str> = block
        .split("asks for ")
        .nth(1)
        .unwrap()
        .split(", …")
        .next()
        .unwrap()
        .split(", ")
        .collect();
    // Assert
    assert!(
        read.is_subset(&outputs),
        "outputs read but not in the template: {:?}",
        read.difference(&outputs)
    );
    assert_eq!(listed, outputs, "the listed outputs are the template's");
    assert!(asked.iter().all(|p| parameters.contains(p)), "{asked:?}");
    assert!(
        !block.contains("$TABLE_NAME"),
        "the teardown reads the table name from the stack"
    );
    let read_table = block
        .find("TABLE=$(out TableName)")
        .expect("the table name is read");
    assert!(
        read_table < block.find("sam delete").unwrap(),
        "read before the stack is gone"
    );
    assert!(
        block.contains("$(out AccessEventsBusName)"),
        "the first event goes to the stack's bus"
    );
}

#[test]
fn the_page_is_public_and_every_api_route_keeps_the_jwt_authorizer() {
    // Arrange
    let template = template();
    let api = resource(&template, "HttpApi");
    let events = resource(&template, "QueryFunction")["Properties"]["Events"]
        .as_object()
        .unwrap();
    // Act
    let mut public: Vec<&str> = events
        .values()
        .filter(|e| e["Properties"]["Auth"]["Authorizer"] == "NONE")
        .map(|e| e["Properties"]["Path"].as_str().unwrap())
        .collect();
    public.sort_unstable();
    // Assert: the page ($default: whatever no other route matches), the OpenAPI document and
    // the intake route (source tokens, checked by the function) only; /v1/{proxy+} falls to
    // the API's default, the JWT authorizer.
    assert_eq!(
        public,
        [
            "$default",
            "/v1/openapi.json",
            "/v1/sources/{source}/events"
        ]
    );
    assert_eq!(api["Properties"]["Auth"]["DefaultAuthorizer"], "Jwt");
    let v1: Vec<&Value> = events
        .values()
        .filter(|e| e["Properties"]["Path"] == "/v1/{proxy+}")
        .collect();
    assert_eq!(v1.len(), 2, "GET and ANY /v1/{{proxy+}}");
    assert!(v1
        .iter()
        .all(|e| e["Properties"]["Auth"]["Authorizer"] == "Jwt"));
    // The page signs in against the issuer the authorizer trusts.
    let variables = &resource(&template, "QueryFunction")["Properties"]["Environment"]["Variables"];
    assert_eq!(variables["OIDC_ISSUER"]["Ref"], "JwtIssuer");
    assert_eq!(variables["PAGE_CLIENT_ID"]["Ref"], "PageClientId");
}

async fn queue_arn(config: &aws_config::SdkConfig, url: &str) -> String {
    aws_sdk_sqs::Client::new(config)
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producers_team_glide_and_the_intake_route_reach_ingest_by_the_templates_own_routes() {
    // Arrange: TEAM's topic and Glide's bus exist; the stack is deployed pointing at both.
    let config = sdk_config().await;
    let sns = aws_sdk_sns::Client::new(&config);
    let topic = sns
        .create_topic()
        .name(unique("TeamNotifications"))
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    let eventbridge = aws_sdk_eventbridge::Client::new(&config);
    let glide_bus = unique("glide");
    eventbridge
        .create_event_bus()
        .name(&glide_bus)
        .send()
        .await
        .unwrap();
    let body = plain_cloudformation(template());
    assert!(body["Resources"].get("GlideRule").is_some());
    let Deployed { outputs, physical } = deploy(
        &config,
        &body,
        &[
            ("TeamNotificationTopicArn", topic.clone()),
            ("GlideEventBusName", glide_bus.clone()),
            ("PlatformTenantId", "acme".into()),
            (
                "DetectionConfig",
                r#"{"inactive_user":{"enabled":false}}"#.into(),
            ),
            ("ProducerAccountIds", "111122223333,444455556666".into()),
            ("ProducerOrganizationId", "o-abcdef1234".into()),
        ],
    )
    .await;
    // The platform's accounts and organization may put events on the access bus. (moto's
    // CloudFormation skips `AWS::Events::EventBusPolicy`: the template's statements are put
    // here as written, with their references resolved.)
    let bus = eventbridge
        .describe_event_bus()
        .name(&outputs["AccessEventsBusName"])
        .send()
        .await
        .unwrap();
    let whole = template();
    let mut statements = Vec::new();
    for (logical, sid) in [
        (
            "ProducerAccountsPolicy",
            "access-anomalies-producer-accounts",
        ),
        (
            "ProducerOrganizationPolicy",
            "access-anomalies-producer-organization",
        ),
    ] {
        let properties = &resource(&whole, logical)["Properties"];
        assert_eq!(properties["EventBusName"]["Ref"], "AccessEventsBus");
        assert_eq!(properties["StatementId"], sid);
        let mut statement = properties["Statement"].clone();
        assert_eq!(statement["Action"], "events:PutEvents");
        assert_eq!(
            statement["Resource"]["Fn::GetAtt"],
            json!(["AccessEventsBus", "Arn"])
        );
        statement["Resource"] = json!(bus.arn.clone().unwrap());
        if statement["Principal"]["AWS"]["Ref"] == "ProducerAccountIds" {
            statement["Principal"]["AWS"] = json!(["111122223333", "444455556666"]);
        }
        let org = &mut statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"];
        if org["Ref"] == "ProducerOrganizationId" {
            *org = json!("o-abcdef1234");
        }
        statement["Sid"] = json!(sid);
        statements.push(statement);
    }
    eventbridge
        .put_permission()
        .event_bus_name(&outputs["AccessEventsBusName"])
        .policy(json!({"Version": "2012-10-17", "Statement": statements}).to_string())
        .send()
        .await
        .unwrap();
    let policy = eventbridge
        .describe_event_bus()
        .name(&outputs["AccessEventsBusName"])
        .send()
        .await
        .unwrap()
        .policy
        .unwrap_or_default();
    for expected in [
        "111122223333",
        "444455556666",
        "o-abcdef1234",
        "events:PutEvents",
    ] {
        assert!(
            policy.contains(expected),
            "{expected} not in the bus policy {policy}"
        );
    }
    assert!(
        outputs["ProducerPolicyArn"].starts_with("arn:aws:iam::"),
        "{outputs:?}"
    );
    let ingest_queue = &physical["IngestQueue"];
    // moto's CloudFormation skips `AWS::SNS::Subscription`: subscribe as the template says.
    let whole = template();
    let subscription = &resource(&whole, "TeamSubscription")["Properties"];
    assert_eq!(subscription["Protocol"], "sqs");
    assert_eq!(subscription["TopicArn"]["Ref"], "TeamNotificationTopicArn");
    assert_eq!(
        subscription["Endpoint"]["Fn::GetAtt"],
        json!(["IngestQueue", "Arn"])
    );
    let ingest_arn = queue_arn(&config, ingest_queue).await;
    integration_tests::delivery::subscribe(&config, &topic, &ingest_arn, None).await;
    let now = chrono::Utc::now().to_rfc3339();

    // Act: TEAM publishes a request record; Glide puts a request and its activation.
    let record = json!({"id": "team-req-1", "email": "dan@acme.example", "username": "dan",
        "accountId": "111122223333", "accountName": "prod-payments", "role": "AdministratorAccess",
        "duration": "3600", "status": "pending", "createdAt": now, "updatedAt": now});
    sns.publish()
        .topic_arn(&topic)
        .message(record.to_string())
        .send()
        .await
        .unwrap();
    let request = json!({"id": "glide_req_1", "requestedBy": "usr_eve", "rule": "rul_prod",
        "selectedWith": {"accountId": {"value": "444455556666", "label": "prod-billing"},
                         "permissionSetArn": {"value": "arn:aws:sso:::permissionSet/ps-9", "label": "AdministratorAccess"}},
        "status": "PENDING", "createdAt": now, "updatedAt": now});
    let glide = |detail_type: &str, detail: Value| {
        aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
            .event_bus_name(&glide_bus)
            .source(anomalies_core::connectors::common_fate::GLIDE_SOURCE)
            .detail_type(detail_type)
            .detail(detail.to_string())
            .build()
    };
    eventbridge
        .put_events()
        .entries(glide(
            "request.created",
            json!({"request": request, "requestorEmail": "eve@acme.example"}),
        ))
        .entries(glide(
            "grant.activated",
            json!({"grant": {"id": "glide_req_1", "status": "ACTIVE"}}),
        ))
        .send()
        .await
        .unwrap();
    // Teleport posts to the intake route (the query function on the stack's resources),
    // which puts on the stack's access-events bus; its rule feeds the same queue.
    let query_env = |name: &str| match name {
        TABLE_NAME => Some(outputs["TableName"].clone()),
        ANOMALIES_BUS_NAME => Some(outputs["AnomaliesBusName"].clone()),
        query_function::config::CURSOR_SECRET => {
            Some("a cursor secret of at least 32 bytes".into())
        }
        query_function::config::ACCESS_EVENTS_BUS_NAME => {
            Some(outputs["AccessEventsBusName"].clone())
        }
        anomalies_webhooks::SECRETS_KEY_ARN => Some(physical["EncryptionKey"].clone()),
        _ => None,
    };
    let query_config = query_function::config::QueryConfig::from_lookup(query_env).unwrap();
    let api = integration_tests::api::Harness::on_router(
        query_function::Context::from_config(&query_config, &config)
            .unwrap()
            .router,
    );
    let acme_caller = Some(("acme", "alice@acme.example"));
    let made = api
        .call(
            "POST",
            "/v1/source-credentials",
            acme_caller,
            Some(r#"{"source":"teleport","name":"main"}"#),
        )
        .await;
    let bearer = format!("Bearer {}", made.body["token"].as_str().unwrap());
    let teleport = json!({"event": "access_request.create", "code": "T5000I", "uid": "tp-1", "time": now,
        "id": "teleport-req-1", "user": "frank", "state": "PENDING", "cluster_name": "main", "roles": ["admin"],
        "resource_ids": [{"cluster": "main", "kind": "db", "name": "prod-customers"}]});
    let posted = api
        .call_with(
            "POST",
            "/v1/sources/teleport/events",
            None,
            Some(&teleport.to_string()),
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    let delivered = integration_tests::delivery::receive(&config, ingest_queue, 4).await;
    let env = |name: &str| match name {
        TABLE_NAME => Some(outputs["TableName"].clone()),
        ANOMALIES_BUS_NAME => Some(outputs["AnomaliesBusName"].clone()),
        ingest_function::config::PLATFORM_TENANT_ID => Some("acme".to_owned()),
        _ => None,
    };
    let ingest_config = ingest_function::config::IngestConfig::from_lookup(env).unwrap();
    let ingest = ingest_function::Context::from_config(&ingest_config, &config).unwrap();
    let ingested = ingest_function::handle(&ingest, lambda_event(as_lambda_records(&delivered)))
        .await
        .unwrap();

    // Assert: all four arrived by the template's routes and were filed under acme.
    assert_eq!(delivered.records.len(), 4);
    assert!(ingested.batch_item_failures.is_empty(), "{ingested:?}");
    let table = anomalies_core::store::dynamo::client::DynamoTable::new(
        aws_sdk_dynamodb::Client::new(&config),
        outputs["TableName"].clone(),
    );
    let acme = anomalies_core::domain::TenantId::try_from("acme").unwrap();
    let mut requests: Vec<String> = Vec::new();
    for id in ["team-req-1", "glide_req_1", "teleport-req-1"] {
        let anomaly = anomalies_core::anomaly::Anomaly::derive_id(
            &acme,
            anomalies_core::anomaly::AnomalyType::HighRiskAccess,
            &[id],
        );
        let key = keys::ItemKey::new(keys::anomaly_pk(&acme, &anomaly), keys::SK_ANOMALY);
        use anomalies_core::store::dynamo::Table;
        if !table.load(&[key]).await.unwrap().is_empty() {
            requests.push(id.to_owned());
        }
    }
    assert_eq!(requests, ["team-req-1", "glide_req_1", "teleport-req-1"]);
}

#[test]
fn every_parameter_and_output_is_described_and_every_dead_letter_queue_is_an_output() {
    // Arrange
    let template = template();
    let described = |section: &str| -> Vec<String> {
        template[section]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| {
                v["Description"]
                    .as_str()
                    .is_none_or(|d| d.trim().is_empty())
            })
            .map(|(k, _)| k.clone())
            .collect()
    };
    let dead_letter_queues: Vec<&String> = template["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(name, r)| r["Type"] == "AWS::SQS::Queue" && name.ends_with("DLQ"))
        .map(|(name, _)| name)
        .collect();
    // Act
    let outputs: Vec<&Value> = template["Outputs"].as_object().unwrap().values().collect();
    let unexposed: Vec<&&String> = dead_letter_queues
        .iter()
        .filter(|dlq| !outputs.iter().any(|o| o["Value"]["Ref"] == json!(dlq)))
        .collect();
    // Assert
    assert_eq!(
        described("Parameters"),
        Vec::<String>::new(),
        "parameters without a Description"
    );
    assert_eq!(
        described("Outputs"),
        Vec::<String>::new(),
        "outputs without a Description"
    );
    assert_eq!(dead_letter_queues.len(), 5);
    assert!(
        unexposed.is_empty(),
        "dead-letter queues without an output: {unexposed:?}"
    );
}

#[test]
fn a_whole_detection_config_reaches_the_functions_and_a_bad_key_stops_their_start() {
    // Arrange: what an operator puts in DetectionConfig.
    let good = r#"{"allowlist":{"requesters":["svc-ci-*"]},"high_risk_access":{"severity":"critical","sensitive_keywords":["prod"]},"inactive_user":{"enabled":false},"catalog":[{"resource":"/main/db/*","tags":{"env":"prod"}}]}"#;
    let bad = r#"{"inactive_user":{"enabledd":false}}"#;
    let env = |config: &'static str| {
        move |name: &str| match name {
            TABLE_NAME => Some("t".to_owned()),
            ANOMALIES_BUS_NAME => Some("b".to_owned()),
            anomalies_core::env::DETECTION_CONFIG => Some(config.to_owned()),
            _ => None,
        }
    };
    // Act
    let ingest = ingest_function::config::IngestConfig::from_lookup(env(good));
    let sweep = sweep_function::config::SweepConfig::from_lookup(env(good));
    let refused = ingest_function::config::IngestConfig::from_lookup(env(bad))
        .err()
        .map(|e| e.to_string());
    // Assert
    let ingest = ingest.unwrap();
    assert!(
        !ingest
            .detection
            .rules()
            .unwrap()
            .0
            .config()
            .inactive_user
            .enabled
    );
    assert_eq!(
        ingest.detection.rules().unwrap().0.config().catalog.len(),
        1
    );
    assert!(sweep.is_ok());
    let message = refused.expect("a bad key is refused");
    assert!(
        message.contains("DETECTION_CONFIG") && message.contains("enabledd"),
        "{message}"
    );
}

#[test]
fn every_alarm_has_an_action_and_a_runbook_entry() {
    // Arrange
    let template = template();
    let runbook = std::fs::read_to_string(root().join("docs/operations.md")).unwrap();
    let alarms: Vec<(&String, &Value)> = template["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::CloudWatch::Alarm")
        .collect();
    // Act
    let without_entry: Vec<&&String> = alarms
        .iter()
        .map(|(name, _)| name)
        .filter(|name| !runbook.contains(&format!("`{name}`")))
        .collect();
    let actions: BTreeSet<String> = alarms
        .iter()
        .map(|(_, a)| a["Properties"]["AlarmActions"].to_string())
        .collect();
    // Assert
    assert_eq!(alarms.len(), 19);
    assert!(
        without_entry.is_empty(),
        "alarms missing from docs/operations.md: {without_entry:?}"
    );
    assert_eq!(
        actions,
        BTreeSet::from([json!({"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], [{"Ref": "AlarmsTopic"}]]}).to_string()]),
        "every alarm notifies the given topic, or the stack's own"
    );
    for output in [
        "IngestDLQUrl",
        "SweepDLQUrl",
        "FanoutDLQUrl",
        "SecurityHubDLQUrl",
        "WebhooksDLQUrl",
        "AlarmsTopicArn",
    ] {
        assert!(runbook.contains(output), "{output} is not in the runbook");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stack_can_adopt_the_table_a_deleted_stack_retained() {
    // Arrange: a table left behind (retained) by an earlier stack.
    let config = sdk_config().await;
    let retained = unique("retained");
    create_table(&aws_sdk_dynamodb::Client::new(&config), &retained).await;
    // Act
    let body = plain_cloudformation(template());
    let Deployed { outputs, physical } =
        deploy(&config, &body, &[("ExistingTableName", retained.clone())]).await;
    // Assert: no new table; everything points at the adopted one.
    assert!(!physical.contains_key("Table"), "{physical:?}");
    assert_eq!(outputs["TableName"], retained);
    let template = template();
    let table = &resource(&template, "Table");
    assert_eq!(table["Condition"], "CreateTable");
    assert_eq!(table["DeletionPolicy"], "Retain");
}

#[test]
fn the_deploy_guide_lists_every_parameter_with_its_default_and_every_output() {
    // Arrange
    let template = template();
    let guide = std::fs::read_to_string(root().join("docs/deploy.md")).unwrap();
    let (parameters, outputs) = guide.split_once("## Outputs").unwrap();
    let table = |text: &str| -> Vec<(String, String, String)> {
        text.lines()
            .filter(|l| l.starts_with("| `"))
            .map(|l| {
                let cells: Vec<&str> = l.splitn(3, " | ").collect();
                let name = cells[0].trim_start_matches("| ").trim_matches('`');
                let what = cells.get(2).map_or("", |c| c.trim_end_matches(" |"));
                (name.to_owned(), cells[1].to_owned(), what.to_owned())
            })
            .collect()
    };
    // Act
    let mut rows = table(parameters.split_once("## Parameters").unwrap().1);
    rows.sort();
    let output_rows: BTreeMap<String, String> = table(outputs.split("## Identity").next().unwrap())
        .into_iter()
        .map(|(name, what, _)| (name, what))
        .collect();
    // Assert: one row per parameter (none twice), with its default and its description.
    let expected: Vec<(String, String, String)> = template["Parameters"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, parameter)| {
            let default = match &parameter["Default"] {
                Value::Null => "required".to_owned(),
                Value::String(s) if s.is_empty() => "empty".to_owned(),
                Value::String(s) => format!("`{s}`"),
                other => format!("`{other}`"),
            };
            let what = parameter["Description"].as_str().unwrap_or("").to_owned();
            (name.clone(), default, what)
        })
        .collect();
    assert_eq!(rows, expected, "the parameter table of docs/deploy.md");
    for name in template["Outputs"].as_object().unwrap().keys() {
        assert!(
            output_rows.contains_key(name),
            "output {name} in docs/deploy.md"
        );
    }
}

#[test]
fn every_relative_link_in_the_readme_and_the_docs_resolves() {
    // Arrange
    let mut files: Vec<PathBuf> = [
        "README.md",
        "CONTRIBUTING.md",
        "CHANGELOG.md",
        "infra/README.md",
        "functions/README.md",
    ]
    .iter()
    .map(|f| root().join(f))
    .collect();
    for entry in std::fs::read_dir(root().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    // Act
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for link in text.split("](").skip(1) {
            let target = link
                .split([')', ' '])
                .next()
                .unwrap()
                .split('#')
                .next()
                .unwrap();
            if target.is_empty() || target.starts_with("http") || target.starts_with("mailto:") {
                continue;
            }
            if !file.parent().unwrap().join(target).exists() {
                broken.push(format!("{}: {target}", file.display()));
            }
        }
    }
    // Assert
    assert!(files.len() > 12, "{files:?}");
    assert!(broken.is_empty(), "broken links: {broken:?}");
}

#[test]
fn every_function_logs_to_a_log_group_kept_log_retention_days() {
    // Arrange
    let template = template();
    let resources = template["Resources"].as_object().unwrap();
    // Act / Assert
    for (name, function) in resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
    {
        let group = match function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"].as_str() {
            Some(group) => group.to_owned(),
            // The webhooks function keeps Lambda's default name (its metric filter reads it).
            None => resources
                .iter()
                .find(|(_, r)| {
                    r["Type"] == "AWS::Logs::LogGroup"
                        && r["Properties"]["LogGroupName"]["Fn::Sub"]
                            == json!(format!("/aws/lambda/${{{name}}}"))
                })
                .map(|(n, _)| n.clone())
                .unwrap_or_else(|| panic!("{name} has no log group")),
        };
        let retention = &resources[&group]["Properties"]["RetentionInDays"];
        assert_eq!(retention["Ref"], "LogRetentionDays", "{name}: {group}");
    }
}

/// A condition of the template evaluated for these parameter values (`Fn::Or`, `Fn::Equals`
/// over `Ref`s and literals: what the scope condition uses).
fn holds(template: &Value, condition: &Value, parameters: &BTreeMap<&str, &str>) -> bool {
    let value = |v: &Value| match v.get("Ref").and_then(Value::as_str) {
        Some(name) => parameters
            .get(name)
            .copied()
            .map(str::to_owned)
            .unwrap_or_else(|| {
                template["Parameters"][name]["Default"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }),
        None => v.as_str().unwrap().to_owned(),
    };
    if let Some(name) = condition.as_str() {
        return holds(template, &template["Conditions"][name], parameters);
    }
    if let Some(any) = condition.get("Fn::Or") {
        return any
            .as_array()
            .unwrap()
            .iter()
            .any(|c| holds(template, c, parameters));
    }
    let pair = condition["Fn::Equals"].as_array().unwrap();
    value(&pair[0]) == value(&pair[1])
}

/// The scopes API Gateway requires on a route for these parameter values: each list item is an
/// `Fn::If` choosing a scope parameter or `AWS::NoValue` (no item).
fn gateway_scopes(template: &Value, method: &str, parameters: &[(&str, &str)]) -> Vec<String> {
    let parameters: BTreeMap<&str, &str> = parameters.iter().copied().collect();
    let events = resource(template, "QueryFunction")["Properties"]["Events"]
        .as_object()
        .unwrap();
    let route = events
        .values()
        .find(|e| e["Properties"]["Path"] == "/v1/{proxy+}" && e["Properties"]["Method"] == method)
        .unwrap();
    let scopes = route["Properties"]["Auth"]["AuthorizationScopes"]
        .as_array()
        .unwrap();
    scopes
        .iter()
        .filter_map(|item| {
            let [condition, then, otherwise] = item["Fn::If"].as_array().unwrap().as_slice() else {
                panic!("{item}")
            };
            let chosen = if holds(template, condition, &parameters) {
                then
            } else {
                otherwise
            };
            let name = chosen["Ref"].as_str().unwrap();
            (name != "AWS::NoValue").then(|| {
                parameters.get(name).map_or_else(
                    || {
                        template["Parameters"][name]["Default"]
                            .as_str()
                            .unwrap()
                            .to_owned()
                    },
                    |v| (*v).to_owned(),
                )
            })
        })
        .collect()
}

#[test]
fn the_gateway_checks_scopes_when_the_scope_claim_is_one_it_can_read() {
    // Arrange
    let template = template();
    for claim in ["scope", "scp"] {
        // Act
        let read = gateway_scopes(
            &template,
            "GET",
            &[("ScopeClaim", claim), ("WriteScope", "w")],
        );
        let write = gateway_scopes(
            &template,
            "ANY",
            &[("ScopeClaim", claim), ("WriteScope", "w")],
        );
        // Assert: API Gateway allows a route when the token has any one of its scopes.
        assert_eq!(read, ["access-anomalies/read", "w"], "{claim}");
        assert_eq!(write, ["w"], "{claim}");
    }
    // cognito:groups (ID tokens: no scope claim for the gateway) and no rule: the gateway
    // only checks the token; the function applies the rule from the claims.
    for claim in ["cognito:groups", ""] {
        assert!(gateway_scopes(&template, "GET", &[("ScopeClaim", claim)]).is_empty());
        assert!(gateway_scopes(&template, "ANY", &[("ScopeClaim", claim)]).is_empty());
    }
}
