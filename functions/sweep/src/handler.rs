//! The Lambda handler: the sweep time from the scheduled event, one run, one summary line.

use crate::ports::SweepTable;
use crate::schedule::sweep_time;
use crate::sweep::{run, Context, Summary, SweepError};
use anomalies_core::publish::Publisher;
use chrono::Utc;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error(transparent)]
    Time(#[from] crate::schedule::BadTime),
    #[error(transparent)]
    Sweep(#[from] SweepError),
}

/// Sweep at the event's time; `owner` names this invocation in the lease.
pub async fn handle<T: SweepTable, P: Publisher>(
    ctx: &Context<T, P>,
    payload: Value,
    owner: &str,
) -> Result<Summary, HandlerError> {
    let now = Utc::now();
    let at = sweep_time(&payload, now)?;
    let summary = run(ctx, at, owner, now).await?;
    tracing::info!(summary = %serde_json::to_string(&summary).unwrap_or_default(), "sweep");
    Ok(summary)
}
