//! The Lambda handler: a plain async function of the payload, over the narrow ports.

use crate::batch::{self, Context};
use crate::message::{self, Invocation};
use crate::ports::{Publisher, Table};
use chrono::Utc;
use serde_json::{json, Value};

/// Why a direct (non-SQS) invocation failed: Lambda retries it, then sends it to the
/// function's on-failure destination.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error(transparent)]
    Payload(#[from] message::UnknownPayload),
    #[error("event {0} was not processed; retry")]
    Failed(String),
}

/// Handle one invocation. For SQS, the result lists exactly the messages that failed
/// (`batchItemFailures`), so SQS redelivers those and only those.
pub async fn handle<T: Table, P: Publisher>(
    ctx: &Context<T, P>,
    payload: Value,
) -> Result<Value, HandlerError> {
    match message::parse(payload)? {
        Invocation::Sqs(messages) => {
            let outcome = batch::process(ctx, messages, Utc::now()).await;
            log_summary(&outcome.summary);
            let failures: Vec<Value> = outcome
                .failed
                .iter()
                .map(|id| json!({ "itemIdentifier": id }))
                .collect();
            Ok(json!({ "batchItemFailures": failures }))
        }
        Invocation::EventBridge(message) => {
            let id = message.id.clone();
            let outcome = batch::process(ctx, vec![*message], Utc::now()).await;
            log_summary(&outcome.summary);
            if outcome.failed.is_empty() {
                Ok(json!({}))
            } else {
                Err(HandlerError::Failed(id))
            }
        }
    }
}

fn log_summary(summary: &batch::Summary) {
    let anomalies = serde_json::to_string(&summary.anomalies).unwrap_or_default();
    tracing::info!(
        messages = summary.messages,
        events = summary.events,
        duplicates = summary.duplicates,
        rejected = summary.rejected,
        failed = summary.failed,
        anomalies = %anomalies,
        republished = summary.republished,
        dynamodb_requests = summary.dynamodb_requests,
        "ingest summary"
    );
}
