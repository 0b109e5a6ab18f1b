//! The Lambda handler: a plain async function of the payload over the narrow ports in
//! [`crate::ports`]. For SQS the response lists exactly the messages that failed
//! (`batchItemFailures`), so SQS redelivers those and only those; a direct EventBridge
//! invocation that failed is an error, which Lambda retries.

use crate::batch::{self, Summary};
use crate::message::{self, Invocation};
use crate::ports::{Bus, Table};
use anomalies_core::domain::TenantId;
use anomalies_core::engine::Detector;
use anomalies_core::store::dynamo::snapshot::Retention;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse};
use chrono::Utc;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;
use std::sync::Arc;

/// What the handler needs besides its payload.
pub struct Context {
    pub detector: Detector,
    /// The tenant platform payloads (TEAM's topic, Glide's bus) are filed under.
    pub platform_tenant: TenantId,
    pub retention: Retention,
    pub table: Arc<dyn Table>,
    pub bus: Arc<dyn Bus>,
}

/// Why an invocation failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Neither an SQS batch nor an EventBridge event: retrying cannot help.
    #[error(transparent)]
    Payload(#[from] message::UnknownPayload),
    /// A direct invocation's event was not processed: Lambda retries it, then sends it to
    /// the function's on-failure destination.
    #[error("event {0} was not processed; retry")]
    Failed(String),
}

impl From<HandlerError> for Diagnostic {
    fn from(err: HandlerError) -> Self {
        let error_type = match err {
            HandlerError::Payload(_) => "InvalidPayload",
            HandlerError::Failed(_) => "Retryable",
        };
        Diagnostic {
            error_type: error_type.into(),
            error_message: err.to_string(),
        }
    }
}

/// Handle one invocation.
pub async fn handle(
    ctx: &Context,
    event: LambdaEvent<Value>,
) -> Result<SqsBatchResponse, HandlerError> {
    let (messages, direct) = match message::parse(event.payload, &ctx.platform_tenant)? {
        Invocation::Sqs(messages) => (messages, None),
        Invocation::EventBridge(message) => {
            let id = message.id.clone();
            (vec![*message], Some(id))
        }
    };
    let outcome = batch::process(ctx, messages, Utc::now()).await;
    log_summary(&outcome.summary);
    if let Some(id) = direct {
        if !outcome.failed.is_empty() {
            return Err(HandlerError::Failed(id));
        }
    }
    Ok(SqsBatchResponse {
        batch_item_failures: outcome
            .failed
            .into_iter()
            .map(|item_identifier| BatchItemFailure { item_identifier })
            .collect(),
    })
}

fn log_summary(summary: &Summary) {
    let anomalies = serde_json::to_string(&summary.anomalies).unwrap_or_default();
    tracing::info!(
        messages = summary.messages,
        events = summary.events,
        duplicates = summary.duplicates,
        rejected = summary.rejected,
        ignored = summary.ignored,
        unknown_requests = summary.unknown_requests,
        failed = summary.failed,
        anomalies = %anomalies,
        republished = summary.republished,
        dynamodb_requests = summary.dynamodb_requests,
        "ingest summary"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use anomalies_core::bus::MemoryBus;
    use anomalies_core::config::Config;
    use anomalies_core::store::dynamo::memory_table::MemoryTable;
    use lambda_runtime::Context as Invocation;

    fn context(bus: Arc<MemoryBus>) -> Context {
        Context {
            detector: Detector::new(Config::default()).unwrap(),
            platform_tenant: TenantId::default_tenant(),
            retention: Retention::default(),
            table: Arc::new(MemoryTable::new()),
            bus,
        }
    }

    fn eventbridge() -> Value {
        serde_json::from_str(include_str!(
            "../../../events/lambda/ingest-eventbridge.json"
        ))
        .unwrap()
    }

    #[tokio::test]
    async fn a_direct_invocation_that_was_not_processed_is_a_retryable_error() {
        // Arrange: the sample raises an anomaly, and the bus refuses it.
        let bus = Arc::new(MemoryBus::default());
        bus.set_refusing(true);
        let ctx = context(bus.clone());
        // Act
        let failed = handle(&ctx, LambdaEvent::new(eventbridge(), Invocation::default())).await;
        bus.set_refusing(false);
        let retried = handle(&ctx, LambdaEvent::new(eventbridge(), Invocation::default())).await;
        // Assert
        let diagnostic = Diagnostic::from(failed.unwrap_err());
        assert_eq!(diagnostic.error_type, "Retryable");
        assert!(retried.unwrap().batch_item_failures.is_empty());
        assert_eq!(bus.events().len(), 1, "announced once, by the retry");
    }

    #[tokio::test]
    async fn an_unknown_payload_is_an_error_retrying_cannot_fix() {
        let ctx = context(Arc::new(MemoryBus::default()));
        let event = LambdaEvent::new(serde_json::json!({"hello": 1}), Invocation::default());
        let err = handle(&ctx, event).await.unwrap_err();
        assert_eq!(Diagnostic::from(err).error_type, "InvalidPayload");
    }
}
