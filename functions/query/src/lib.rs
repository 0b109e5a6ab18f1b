//! The query function: the shared API router ([`anomalies_api`]) on DynamoDB and
//! EventBridge, authenticated by API Gateway's JWT authorizer claims. The handler
//! ([`handler::handle`]) runs the router over the ports in [`ports`];
//! [`Context::from_config`] wires them to AWS ([`aws`] and the libraries' adapters).

pub mod aws;
pub mod config;
pub mod handler;
pub mod message;
pub mod ports;

pub use handler::{handle, Context};

use anomalies_api::intake::BusIntake;
use anomalies_api::routes::sources::SourceApi;
use anomalies_api::routes::webhooks::WebhookApi;
use anomalies_core::bus::eventbridge::EventBridgeBus;
use anomalies_core::sources::dynamo::DynamoSources;
use anomalies_core::store::dynamo::DynamoTable;
use anomalies_webhooks::dynamo::kms::KmsKeys;
use anomalies_webhooks::dynamo::DynamoWebhooks;
use anomalies_webhooks::send::HttpSender;
use anomalies_webhooks::target::TargetPolicy;
use aws_config::SdkConfig;
use std::sync::Arc;

impl Context {
    /// The production context: anomalies, requesters, webhooks and source credentials on
    /// DynamoDB, changes announced (and intake events put) on EventBridge.
    pub fn from_config(
        config: &config::QueryConfig,
        sdk: &SdkConfig,
    ) -> Result<Self, reqwest::Error> {
        Ok(Self::new(config, ports(config, sdk)?))
    }
}

/// The production ports.
pub fn ports(
    config: &config::QueryConfig,
    sdk: &SdkConfig,
) -> Result<ports::Ports, reqwest::Error> {
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    let policy = TargetPolicy {
        allow_private: config.allow_private_targets,
    };
    let webhooks = WebhookApi {
        store: Arc::new(
            DynamoWebhooks::new(
                dynamodb.clone(),
                &config.table_name,
                Arc::new(KmsKeys::new(
                    aws_sdk_kms::Client::new(sdk),
                    &config.secrets_key_arn,
                )),
            )
            .with_retention(chrono::Duration::days(config.webhook_retention_days)),
        ),
        sender: Arc::new(HttpSender::new(policy)?),
        policy,
    };
    let eventbridge = aws_sdk_eventbridge::Client::new(sdk);
    let sources = config.access_events_bus.as_ref().map(|bus| SourceApi {
        store: Arc::new(DynamoSources::new(dynamodb.clone(), &config.table_name)),
        intake: Arc::new(BusIntake {
            bus: Arc::new(EventBridgeBus::new(eventbridge.clone(), bus)),
        }),
    });
    let anomalies = Arc::new(aws::DynamoAnomalies {
        table: Arc::new(DynamoTable::new(dynamodb, &config.table_name)),
        facet_read_limit: config.facet_read_limit,
    });
    Ok(ports::Ports {
        anomalies: anomalies.clone(),
        requesters: anomalies,
        bus: Arc::new(EventBridgeBus::new(eventbridge, &config.bus_name)),
        webhooks,
        sources,
    })
}
