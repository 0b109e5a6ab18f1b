//! An SDK configuration that records, by IAM action, every AWS call made through it: the
//! SDK's default HTTP connector, wrapped. A function's production context built
//! from such a configuration (`Context::from_config`) shows which actions the function really
//! calls, whichever library file the call is written in.

use aws_config::SdkConfig;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};

/// The IAM actions called so far.
#[derive(Debug, Clone, Default)]
pub struct CallLog(Arc<Mutex<BTreeSet<String>>>);

impl CallLog {
    pub fn actions(&self) -> BTreeSet<String> {
        self.0.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn clear(&self) {
        if let Ok(mut s) = self.0.lock() {
            s.clear();
        }
    }

    fn record(&self, request: &HttpRequest) {
        if let (Some(action), Ok(mut s)) = (action_of(request), self.0.lock()) {
            s.insert(action);
        }
    }
}

/// Operations of REST-JSON services (which name the operation by method and path only) and
/// their IAM actions: Security Hub's.
const REST_OPERATIONS: [(&str, &str, &str); 2] = [
    (
        "POST",
        "/findings/import",
        "securityhub:BatchImportFindings",
    ),
    ("POST", "/findings", "securityhub:GetFindings"),
];

/// The IAM action of a request: JSON protocols name the operation in `X-Amz-Target`
/// (DynamoDB, EventBridge, SQS); REST-JSON ones by method and path ([`REST_OPERATIONS`]);
/// SNS's query protocol in the body's `Action`.
fn action_of(request: &HttpRequest) -> Option<String> {
    let path = request.uri().split('?').next().unwrap_or_default();
    let path = path.find("://").map_or(path, |scheme| {
        let rest = &path[scheme + 3..];
        rest.find('/').map_or("/", |slash| &rest[slash..])
    });
    if let Some((_, _, action)) = REST_OPERATIONS
        .iter()
        .find(|(method, route, _)| request.method() == *method && path == *route)
    {
        return Some((*action).to_owned());
    }
    if let Some(target) = request.headers().get("x-amz-target") {
        let (service, operation) = target.split_once('.')?;
        let prefix = match service {
            s if s.starts_with("DynamoDB") => "dynamodb",
            "AWSEvents" => "events",
            "AmazonSQS" => "sqs",
            "TrentService" => "kms",
            other => other,
        };
        return Some(format!("{prefix}:{operation}"));
    }
    let body = std::str::from_utf8(request.body().bytes()?).ok()?;
    let action = form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.into_owned())?;
    // PublishBatch is authorized as sns:Publish.
    let action = if action == "PublishBatch" {
        "Publish".to_owned()
    } else {
        action
    };
    Some(format!("sns:{action}"))
}

#[derive(Debug)]
struct Recording {
    /// The SDK's default connector, made once (the settings are the same for every client).
    inner: OnceLock<SharedHttpConnector>,
    log: CallLog,
}

#[derive(Debug)]
struct RecordingConnector {
    inner: SharedHttpConnector,
    log: CallLog,
}

impl HttpConnector for RecordingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        self.log.record(&request);
        self.inner.call(request)
    }
}

impl HttpClient for Recording {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let inner = self.inner.get_or_init(|| {
            aws_smithy_http_client::default_connector(settings, components.sleep_impl())
                .expect("the SDK's default HTTP connector is built in")
        });
        SharedHttpConnector::new(RecordingConnector {
            inner: inner.clone(),
            log: self.log.clone(),
        })
    }
}

/// `config`, with every call made through it recorded in the returned log.
pub fn recording(config: &SdkConfig) -> (SdkConfig, CallLog) {
    let log = CallLog::default();
    let recorded = config
        .to_builder()
        .http_client(Recording {
            inner: OnceLock::new(),
            log: log.clone(),
        })
        .build();
    (recorded, log)
}
