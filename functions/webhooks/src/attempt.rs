//! One delivery attempt, start to end: claim it in the ledger (skip if settled, held by
//! another worker, or not yet due), send the signed request, record the attempt, then
//! settle: delivered; failed for good (DLQ message + `Webhook Delivery Failed` event); or
//! scheduled again (a delayed retry message first, so a crash between the two steps leaves a
//! retry rather than a lost delivery).

use crate::aws::MAX_DELAY_SECONDS;
use crate::handler::Context;
use crate::ports::{DeadLetter, DeliveryFailed, OutletError};
use anomalies_core::bus::{BusError, BusEvent, DetailType};
use anomalies_webhooks::delivery::{request, Delivery};
use anomalies_webhooks::model::Webhook;
use anomalies_webhooks::retry::Class;
use anomalies_webhooks::send::Answer;
use anomalies_webhooks::store::{Attempt, Claim, Outcome, Settlement, StoreError};
use chrono::{DateTime, Duration, Utc};

/// Why a delivery could not be brought to a settled state (its message is redelivered).
#[derive(Debug, thiserror::Error)]
pub enum AttemptError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Outlet(#[from] OutletError),
    #[error("cannot announce the failed delivery: {0}")]
    Bus(#[from] BusError),
}

/// What one call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    Delivered,
    Scheduled,
    Failed,
    /// Nothing to do: settled already, or not due yet (a retry message is re-delayed).
    Skipped,
    /// Another worker holds the attempt: the message is returned and looked at again later
    /// (if that worker crashed, its lease will have ended by then).
    Busy,
}

/// Extra time a claim is held beyond the request timeout.
const LEASE_MARGIN_SECONDS: i64 = 60;

/// Make the next attempt of `delivery` to `webhook` if it is this worker's to make.
pub async fn attempt(
    ctx: &Context,
    webhook: &Webhook,
    delivery: &Delivery,
    is_retry: bool,
) -> Result<Done, AttemptError> {
    let now = Utc::now();
    let lease = Duration::seconds(i64::from(webhook.timeout_seconds) + LEASE_MARGIN_SECONDS);
    let attempt = match ctx.ledger.claim(&delivery.id, now, lease).await? {
        Claim::Claimed { attempt } => attempt,
        Claim::NotDue { at } if is_retry => {
            // A retry message arrives at most 15 minutes after it was sent; wait again.
            ctx.queue.schedule(delivery, delay_until(at, now)).await?;
            return Ok(Done::Skipped);
        }
        Claim::Busy => return Ok(Done::Busy),
        Claim::Settled | Claim::NotDue { .. } => return Ok(Done::Skipped),
    };
    let sent_at = Utc::now();
    let answer = match request(webhook, &delivery.id, &delivery.envelope, attempt, sent_at) {
        Ok(outgoing) => ctx.sender.send(outgoing).await,
        Err(err) => Answer {
            class: Class::Permanent,
            status: None,
            latency_ms: 0,
            body_excerpt: String::new(),
            retry_after: None,
            error: Some(err.to_string()),
            refused: false,
        },
    };
    let next_at = match answer.class {
        Class::Retryable => ctx.retry.next_attempt(
            attempt,
            answer.retry_after,
            delivery.first_attempt_at,
            Utc::now(),
            rand::random::<f64>(),
        ),
        _ => None,
    };
    let outcome = match (answer.class, next_at) {
        (Class::Delivered, _) => Outcome::Delivered,
        (Class::Retryable, Some(_)) => Outcome::Retrying,
        _ => Outcome::Failed,
    };
    record(
        ctx, webhook, delivery, attempt, sent_at, &answer, outcome, next_at,
    )
    .await;
    match (outcome, next_at) {
        (Outcome::Delivered, _) => {
            settle(ctx, delivery, attempt, Settlement::Delivered).await?;
            Ok(Done::Delivered)
        }
        (Outcome::Retrying, Some(at)) => {
            ctx.queue
                .schedule(delivery, delay_until(at, Utc::now()))
                .await?;
            settle(ctx, delivery, attempt, Settlement::Scheduled { at }).await?;
            Ok(Done::Scheduled)
        }
        _ => {
            fail(ctx, webhook, delivery, attempt, &answer).await?;
            settle(ctx, delivery, attempt, Settlement::Failed).await?;
            Ok(Done::Failed)
        }
    }
}

/// Whole seconds from `now` to `at`, rounded up, within SQS's delay limit.
fn delay_until(at: DateTime<Utc>, now: DateTime<Utc>) -> u32 {
    let millis = (at - now).num_milliseconds().max(0);
    let seconds = u32::try_from((millis + 999) / 1000).unwrap_or(MAX_DELAY_SECONDS);
    seconds.min(MAX_DELAY_SECONDS)
}

/// Settle; a conflict means a later claim took over (its worker settles), not an error.
async fn settle(
    ctx: &Context,
    delivery: &Delivery,
    attempt: u32,
    settlement: Settlement,
) -> Result<(), StoreError> {
    match ctx.ledger.settle(&delivery.id, attempt, settlement).await {
        Err(StoreError::Conflict) => {
            tracing::warn!(delivery = %delivery.id, attempt, "a later attempt took over");
            Ok(())
        }
        other => other,
    }
}

async fn fail(
    ctx: &Context,
    webhook: &Webhook,
    delivery: &Delivery,
    attempt: u32,
    answer: &Answer,
) -> Result<(), AttemptError> {
    let failure = DeliveryFailed {
        delivery_id: delivery.id.clone(),
        tenant_id: delivery.tenant_id.clone(),
        webhook_id: webhook.id.clone(),
        webhook_name: webhook.name.clone(),
        anomaly_id: delivery.envelope.data.id.to_string(),
        event_type: delivery.envelope.event_type,
        attempts: attempt,
        first_attempt_at: delivery.first_attempt_at,
        failed_at: Utc::now(),
        status_code: answer.status,
        error: answer.error.clone().unwrap_or_else(|| "failed".into()),
    };
    ctx.queue
        .dead_letter(&DeadLetter {
            failure: failure.clone(),
            delivery: delivery.clone(),
        })
        .await?;
    let event = BusEvent::new(
        DetailType::WebhookDeliveryFailed,
        failure.anomaly_id.as_str(),
        &failure,
    )?;
    if let Some(Err(err)) = ctx.bus.put(&[event]).await.into_iter().next() {
        return Err(err.into());
    }
    tracing::warn!(delivery = %delivery.id, webhook = %webhook.id, attempts = attempt, error = %failure.error, "delivery failed for good");
    Ok(())
}

/// Record the attempt; a failure to record is logged, not worth re-sending for.
#[allow(clippy::too_many_arguments)]
async fn record(
    ctx: &Context,
    webhook: &Webhook,
    delivery: &Delivery,
    attempt: u32,
    attempted_at: DateTime<Utc>,
    answer: &Answer,
    outcome: Outcome,
    next_attempt_at: Option<DateTime<Utc>>,
) {
    let entry = Attempt {
        delivery_id: delivery.id.clone(),
        tenant_id: delivery.tenant_id.clone(),
        webhook_id: webhook.id.clone(),
        anomaly_id: delivery.envelope.data.id.to_string(),
        event_type: delivery.envelope.event_type,
        attempt,
        attempted_at,
        outcome,
        status_code: answer.status,
        latency_ms: answer.latency_ms,
        error: answer.error.clone(),
        next_attempt_at,
    };
    if let Err(err) = ctx.store.record(&entry).await {
        tracing::warn!(delivery = %delivery.id, error = %err, "could not record an attempt");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_round_up_and_stop_at_the_sqs_limit() {
        let now: DateTime<Utc> = "2026-11-24T00:00:00Z".parse().unwrap();
        assert_eq!(delay_until(now + Duration::milliseconds(1), now), 1);
        assert_eq!(delay_until(now - Duration::seconds(5), now), 0);
        assert_eq!(
            delay_until(now + Duration::hours(2), now),
            MAX_DELAY_SECONDS
        );
    }
}
