//! The Lambda handler: the sweep time from the scheduled event, one run under the lease (the
//! automation sweep, then the inactivity sweep), one summary line.

use crate::message::{sweep_time, BadTime};
use crate::ports::{Bus, SweepTable};
use anomalies_core::engine::Detector;
use anomalies_core::store::dynamo::snapshot::Retention;
use anomalies_core::store::StoreError;
use chrono::{DateTime, Duration, Utc};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

#[cfg(test)]
mod tests;

/// What a run needs besides its time.
pub struct Context {
    pub detector: Detector,
    pub retention: Retention,
    pub table: Arc<dyn SweepTable>,
    pub bus: Arc<dyn Bus>,
    /// Groups one run evaluates at most before checkpointing and stopping.
    pub max_groups_per_run: usize,
    /// How long a run holds the lease.
    pub lease: Duration,
}

/// What a run did (logged as one JSON line, returned to the invoker).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub at: Option<DateTime<Utc>>,
    /// Sweep times completed by this run (an earlier unfinished one comes first).
    pub completed: Vec<DateTime<Utc>>,
    /// False when the run stopped at its budget with work left (checkpointed).
    pub complete: bool,
    /// Why the run did nothing, if it did nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    pub partitions_read: usize,
    pub groups: usize,
    pub detected: usize,
    pub updated: usize,
    pub republished: usize,
    pub publish_failed: usize,
    /// Requesters marked dormant.
    pub dormant: usize,
    pub dynamodb_requests: u64,
}

/// Why a run stopped short (its checkpoint lets the next run go on).
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why an invocation failed.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The payload's time is not a time: retrying cannot help.
    #[error(transparent)]
    Time(#[from] BadTime),
    #[error(transparent)]
    Sweep(#[from] SweepError),
}

impl From<HandlerError> for Diagnostic {
    fn from(err: HandlerError) -> Self {
        let error_type = match &err {
            HandlerError::Time(_) => "InvalidPayload",
            HandlerError::Sweep(SweepError::Store(e)) if !e.is_retryable() => "StoreFailed",
            HandlerError::Sweep(_) => "Retryable",
        };
        Diagnostic {
            error_type: error_type.into(),
            error_message: err.to_string(),
        }
    }
}

/// Sweep at the event's time; the invocation's request id names this run in the lease.
pub async fn handle(ctx: &Context, event: LambdaEvent<Value>) -> Result<Summary, HandlerError> {
    let now = Utc::now();
    let at = sweep_time(&event.payload, now)?;
    let summary = run(ctx, at, &event.context.request_id, now).await?;
    tracing::info!(summary = %serde_json::to_string(&summary).unwrap_or_default(), "sweep");
    Ok(summary)
}

/// Run a sweep at `at` as `owner`. `now` is the wall clock (for the lease).
pub async fn run(
    ctx: &Context,
    at: DateTime<Utc>,
    owner: &str,
    now: DateTime<Utc>,
) -> Result<Summary, SweepError> {
    let before = ctx.table.requests();
    let mut summary = Summary {
        at: Some(at),
        ..Summary::default()
    };
    if !ctx.table.acquire_lease(owner, now, now + ctx.lease).await? {
        summary.skipped = Some("another sweep holds the lease".into());
        summary.dynamodb_requests = ctx.table.requests() - before;
        return Ok(summary);
    }
    let mut result = crate::automation::sweep(ctx, at, &mut summary).await;
    if let Ok(budget) = result {
        if summary.complete {
            result = crate::dormancy::sweep(ctx, at, budget, &mut summary)
                .await
                .map(|()| 0);
        }
    }
    let released = ctx.table.release_lease(owner).await;
    result?;
    released?;
    summary.dynamodb_requests = ctx.table.requests() - before;
    Ok(summary)
}
