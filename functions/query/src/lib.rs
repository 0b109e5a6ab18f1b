//! The query function: the shared API router ([`anomalies_api`]) on DynamoDB and
//! EventBridge, authenticated by API Gateway's JWT authorizer claims.

pub mod claims;
pub mod config;
pub mod repo;
pub mod sink;

use anomalies_api::auth::Auth;
use anomalies_api::cursor::CursorKey;
use anomalies_api::ports::EventSink;
use anomalies_api::routes::webhooks::WebhookApi;
use anomalies_api::{router, AppState};
use anomalies_core::store::dynamo::client::DynamoTable;
use anomalies_webhooks::dynamo::DynamoWebhooks;
use anomalies_webhooks::send::HttpSender;
use anomalies_webhooks::target::TargetPolicy;
use std::sync::Arc;

/// Webhook management on the table, with the SSRF-guarded sender for test deliveries.
pub fn webhook_api(
    config: &config::QueryConfig,
    client: aws_sdk_dynamodb::Client,
) -> Result<WebhookApi, reqwest::Error> {
    let policy = TargetPolicy {
        allow_private: config.allow_private_targets,
    };
    Ok(WebhookApi {
        store: Arc::new(
            DynamoWebhooks::new(client, config.table_name.clone())
                .with_retention(chrono::Duration::days(config.webhook_retention_days)),
        ),
        sender: Arc::new(HttpSender::new(policy)?),
        policy,
    })
}

/// The router for this configuration, table and bus.
pub fn app(
    config: &config::QueryConfig,
    table: Arc<DynamoTable>,
    sink: Arc<dyn EventSink>,
    webhooks: WebhookApi,
) -> axum::Router {
    let anomalies = Arc::new(repo::DynamoAnomalies {
        table,
        facet_read_limit: config.facet_read_limit,
    });
    let auth = Auth::Claims {
        names: config.claims.clone(),
        source: claims::from_request_context,
    };
    let mut state = AppState::new(
        anomalies.clone(),
        anomalies,
        sink,
        auth,
        CursorKey::new(&config.cursor_secret),
    );
    state.links = config.links.clone();
    state.lookback = chrono::Duration::days(config.lookback_days);
    router(state.with_webhooks(webhooks))
}
