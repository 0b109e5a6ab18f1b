//! Driving the API as API Gateway does: each call is an HTTP API (v2) Lambda event with the
//! JWT authorizer's claims, converted by lambda_http and routed through the real router, on
//! either store. Every response is checked against the OpenAPI document.

use anomalies_api::auth::{Auth, ClaimNames};
use anomalies_api::cursor::CursorKey;
use anomalies_api::links::LinkTemplates;
use anomalies_api::local::LocalStore;
use anomalies_api::router;
use anomalies_api::routes::webhooks::WebhookApi;
use anomalies_core::anomaly::Anomaly;
use anomalies_core::bus::{Bus, MemoryBus};
use anomalies_core::config::Config;
use anomalies_core::engine::Detector;
use anomalies_core::store::dynamo::{DynamoTable, Table};
use anomalies_core::store::MemoryStore;
use anomalies_webhooks::send::HttpSender;
use anomalies_webhooks::store::MemoryWebhooks;
use anomalies_webhooks::target::TargetPolicy;
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

/// Link templates the harness configures.
pub fn links() -> LinkTemplates {
    LinkTemplates {
        request: Some("https://jit.example.com/requests/{request_id}".into()),
        access_flow: None,
    }
}

enum Store {
    /// A router built elsewhere (a production context): nothing to seed or count here.
    External,
    Memory(Arc<LocalStore>),
    Dynamo {
        client: aws_sdk_dynamodb::Client,
        table: String,
        dynamo: Arc<DynamoTable>,
    },
}

/// The API on one store, with a bus that keeps what would go to EventBridge.
pub struct Harness {
    pub router: Router,
    pub bus: Arc<MemoryBus>,
    store: Store,
}

/// What a call returned.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The `parameter` of a 400 error.
    pub fn parameter(&self) -> Option<&str> {
        self.body["error"]["parameter"].as_str()
    }
}

/// Claims of a caller: (tenant, actor).
pub type Caller<'a> = Option<(&'a str, &'a str)>;

/// Webhook management in memory (`allow_private` admits the local test receiver).
pub fn memory_webhooks(allow_private: bool) -> WebhookApi {
    let policy = TargetPolicy { allow_private };
    WebhookApi {
        store: Arc::new(MemoryWebhooks::default()),
        sender: Arc::new(HttpSender::new(policy).unwrap()),
        policy,
    }
}

impl Harness {
    pub fn memory() -> Self {
        Self::memory_with(true)
    }

    /// The claim names with the scope rule on.
    fn scoped_claims() -> ClaimNames {
        ClaimNames {
            scopes: Some(anomalies_api::auth::ScopeRule {
                claim: "scope".into(),
                read: anomalies_api::auth::DEFAULT_READ_SCOPE.into(),
                write: anomalies_api::auth::DEFAULT_WRITE_SCOPE.into(),
            }),
            ..ClaimNames::default()
        }
    }

    /// In memory, refusing private webhook targets as production does.
    pub fn memory_strict() -> Self {
        Self::memory_with(false)
    }

    /// In memory, with the scope rule on (claim `scope`, the default scopes).
    pub fn memory_scoped() -> Self {
        Self::memory_named(true, Self::scoped_claims())
    }

    fn memory_with(allow_private: bool) -> Self {
        Self::memory_named(allow_private, ClaimNames::default())
    }

    fn memory_named(allow_private: bool, names: ClaimNames) -> Self {
        let store = Arc::new(LocalStore::new(
            Detector::new(Config::default()).unwrap(),
            MemoryStore::new(),
        ));
        let bus = Arc::new(MemoryBus::default());
        let auth = Auth::Claims {
            names,
            source: query_function::message::from_request_context,
        };
        let mut state =
            store.app_state(bus.clone(), auth, CursorKey::new(b"test cursor key"), true);
        state.links = links();
        Self {
            router: router(state.with_webhooks(memory_webhooks(allow_private))),
            bus,
            store: Store::Memory(store),
        }
    }

    /// The query function's router on a fresh table in moto, announcing to [`Self::bus`].
    pub async fn dynamo() -> Self {
        let bus = Arc::new(MemoryBus::default());
        Self::dynamo_with_bus(bus.clone(), bus).await
    }

    /// [`Self::dynamo`], announcing to `publish` (`bus` is only kept).
    pub async fn dynamo_with_bus(bus: Arc<MemoryBus>, publish: Arc<dyn Bus>) -> Self {
        let config = crate::sdk_config().await;
        let client = aws_sdk_dynamodb::Client::new(&config);
        let table = crate::unique("query");
        crate::create_table(&client, &table).await;
        let key = crate::secrets_key(&config).await;
        Self::dynamo_on(&table, &key, bus, publish).await
    }

    /// On DynamoDB in moto, with the scope rule on (`SCOPE_CLAIM=scope`).
    pub async fn dynamo_scoped() -> Self {
        let config = crate::sdk_config().await;
        let client = aws_sdk_dynamodb::Client::new(&config);
        let table = crate::unique("query");
        crate::create_table(&client, &table).await;
        let bus = Arc::new(MemoryBus::default());
        let key = crate::secrets_key(&config).await;
        let scoped = [("SCOPE_CLAIM", "scope"), ("SECRETS_KEY_ARN", key.as_str())];
        Self::dynamo_env(&table, bus.clone(), bus, &scoped).await
    }

    /// The query function's production router on an existing table, webhook secrets sealed
    /// with the KMS key `secrets_key`, with the table adapter counted here and the bus swapped
    /// for `publish`.
    pub async fn dynamo_on(
        table: &str,
        secrets_key: &str,
        bus: Arc<MemoryBus>,
        publish: Arc<dyn Bus>,
    ) -> Self {
        Self::dynamo_env(table, bus, publish, &[("SECRETS_KEY_ARN", secrets_key)]).await
    }

    async fn dynamo_env(
        table: &str,
        bus: Arc<MemoryBus>,
        publish: Arc<dyn Bus>,
        extra: &[(&str, &str)],
    ) -> Self {
        let sdk = crate::sdk_config().await;
        let client = aws_sdk_dynamodb::Client::new(&sdk);
        let table = table.to_owned();
        let dynamo = Arc::new(DynamoTable::new(client.clone(), &table));
        let env = [
            ("TABLE_NAME", table.as_str()),
            ("ANOMALIES_BUS_NAME", "unused"),
            ("CURSOR_SECRET", "test cursor key, at least 32 bytes long"),
            ("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true"),
            (
                "REQUEST_URL_TEMPLATE",
                "https://jit.example.com/requests/{request_id}",
            ),
        ];
        let lookup = |name: &str| {
            env.iter()
                .chain(extra)
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        let config = query_function::config::QueryConfig::from_lookup(lookup).unwrap();
        let anomalies = Arc::new(query_function::aws::DynamoAnomalies {
            table: dynamo.clone(),
            facet_read_limit: config.facet_read_limit,
        });
        let ports = query_function::ports::Ports {
            anomalies: anomalies.clone(),
            requesters: anomalies,
            bus: publish,
            ..query_function::ports(&config, &sdk).unwrap()
        };
        Self {
            router: query_function::Context::new(&config, ports).router,
            bus,
            store: Store::Dynamo {
                client,
                table,
                dynamo,
            },
        }
    }

    /// Call a router built elsewhere (the production query context) as API Gateway would.
    pub fn on_router(router: Router) -> Self {
        Self {
            router,
            bus: Arc::new(MemoryBus::default()),
            store: Store::External,
        }
    }

    pub fn is_dynamo(&self) -> bool {
        matches!(self.store, Store::Dynamo { .. })
    }

    /// Every item of partition `pk` as DynamoDB holds it (DynamoDB only).
    pub async fn raw_items(
        &self,
        pk: &str,
    ) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        let Store::Dynamo { client, table, .. } = &self.store else {
            panic!("raw items are DynamoDB's")
        };
        client
            .query()
            .table_name(table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(
                ":pk",
                aws_sdk_dynamodb::types::AttributeValue::S(pk.to_owned()),
            )
            .send()
            .await
            .unwrap()
            .items
            .unwrap_or_default()
    }

    /// DynamoDB requests made so far (0 in memory).
    pub fn dynamo_requests(&self) -> u64 {
        match &self.store {
            Store::Dynamo { dynamo, .. } => dynamo.requests(),
            Store::Memory(_) | Store::External => 0,
        }
    }

    pub async fn seed(&self, anomalies: &[Anomaly]) {
        match &self.store {
            Store::Memory(store) => {
                for a in anomalies {
                    store.put(a.clone()).await;
                }
            }
            Store::Dynamo { client, table, .. } => {
                crate::seed_anomalies(client, table, anomalies).await;
            }
            Store::External => panic!("seed the store behind an external router directly"),
        }
    }

    /// Call the API as `caller` (None: no authorizer claims).
    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        caller: Caller<'_>,
        body: Option<&str>,
    ) -> Reply {
        self.call_with(method, uri, caller, body, &[]).await
    }

    /// [`Self::call`] with extra request headers (a source token, say).
    pub async fn call_with(
        &self,
        method: &str,
        uri: &str,
        caller: Caller<'_>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let claims = caller.map(|(tenant, actor)| json!({ "tenant_id": tenant, "sub": actor }));
        self.call_claims(method, uri, claims, body, headers).await
    }

    /// Call the API with these verified JWT claims (None: none).
    pub async fn call_claims(
        &self,
        method: &str,
        uri: &str,
        claims: Option<Value>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        let mut event = json!({
            "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
            "headers": { "content-type": "application/json", "host": "api.example.com" },
            "requestContext": {
                "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
                "domainPrefix": "api", "requestId": "r", "routeKey": "$default", "stage": "$default",
                "time": "24/Nov/2026:18:00:00 +0000", "timeEpoch": 0,
                "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "test" }
            },
            "isBase64Encoded": false
        });
        if let Some(claims) = claims {
            event["requestContext"]["authorizer"] =
                json!({ "jwt": { "claims": claims, "scopes": null } });
        }
        if let Some(body) = body {
            event["body"] = json!(body);
        }
        for (name, value) in headers {
            event["headers"][*name] = json!(value);
        }
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("{method} {uri}: body is not JSON: {bytes:?}"))
        };
        crate::openapi::check(method, path, status, &body);
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str, caller: Caller<'_>) -> Reply {
        self.call("GET", uri, caller, None).await
    }
}
