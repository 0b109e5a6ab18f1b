//! The Lambda handler: a plain async function of the SQS batch over the [`Findings`] port.
//! The latest state of each anomaly in the batch ([`crate::message::read`]) becomes its
//! finding ([`crate::asff::finding`]). The
//! response lists exactly the messages to redeliver (`batchItemFailures`): those whose
//! finding Security Hub did not accept and those that are not readable events (which end in
//! the queue's DLQ). A batch never fails as a whole.

use crate::asff::finding;
use crate::config::ProductArn;
use crate::message::{read, Batch};
use crate::ports::Findings;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use std::convert::Infallible;
use std::sync::Arc;

/// What the handler needs besides its payload.
pub struct Context {
    pub findings: Arc<dyn Findings>,
    pub product: ProductArn,
    /// The Anomalies page, for each finding's `SourceUrl`.
    pub page_url: Option<String>,
}

/// Handle one invocation.
pub async fn handle(
    ctx: &Context,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, Infallible> {
    Ok(import(ctx, event.payload).await)
}

/// Import one batch.
pub async fn import(ctx: &Context, event: SqsEvent) -> SqsBatchResponse {
    let Batch {
        anomalies,
        unreadable: mut failures,
    } = read(event);
    let findings: Vec<_> = anomalies
        .iter()
        .map(|latest| finding(&latest.anomaly, &ctx.product, ctx.page_url.as_deref()))
        .collect();
    let mut imported = 0usize;
    for (latest, accepted) in anomalies
        .into_iter()
        .zip(ctx.findings.import(&findings).await)
    {
        if accepted {
            imported += 1;
        } else {
            failures.extend(latest.messages);
        }
    }
    tracing::info!(imported, failed = failures.len(), "security hub summary");
    SqsBatchResponse {
        batch_item_failures: failures
            .into_iter()
            .map(|item_identifier| BatchItemFailure { item_identifier })
            .collect(),
    }
}

#[cfg(test)]
mod tests;
