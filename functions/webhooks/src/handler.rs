//! The Lambda handler: a plain async function of the SQS batch over the narrow ports in
//! [`crate::ports`]. The response lists the messages to redeliver ([`crate::batch`] says
//! which); a batch never fails as a whole.

use crate::batch::process;
use crate::ports::{Bus, DeliveryLedger, RetryQueue, Sender, WebhookStore};
use anomalies_webhooks::retry::RetryPolicy;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use std::convert::Infallible;
use std::sync::Arc;

/// Everything a batch's deliveries need.
pub struct Context {
    pub store: Arc<dyn WebhookStore>,
    pub ledger: Arc<dyn DeliveryLedger>,
    pub sender: Arc<dyn Sender>,
    pub queue: Arc<dyn RetryQueue>,
    /// Where `Webhook Delivery Failed` is announced.
    pub bus: Arc<dyn Bus>,
    pub retry: RetryPolicy,
    /// Requests in flight at once within a batch.
    pub concurrency: usize,
}

/// Handle one invocation.
pub async fn handle(
    ctx: &Context,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, Infallible> {
    let outcome = process(ctx, event.payload).await;
    tracing::info!(summary = ?outcome.summary, "webhooks summary");
    Ok(SqsBatchResponse {
        batch_item_failures: outcome
            .failed_messages
            .into_iter()
            .map(|item_identifier| BatchItemFailure { item_identifier })
            .collect(),
    })
}
