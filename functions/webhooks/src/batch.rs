//! One batch, end to end: every delivery of the batch (each event × each matching webhook,
//! and each due retry) runs concurrently, up to the configured limit; a slow or failing
//! receiver holds up only its own deliveries. The messages to redeliver are the unreadable
//! ones (they end in the DLQ by the queue's redrive policy) and those whose deliveries could
//! not be settled.

use crate::attempt::{attempt, Done};
use crate::handler::Context;
use crate::message::{parse, Job};
use anomalies_core::domain::TenantId;
use anomalies_webhooks::delivery::Delivery;
use anomalies_webhooks::model::Webhook;
use anomalies_webhooks::store::StoreError;
use aws_lambda_events::event::sqs::SqsEvent;
use chrono::Utc;
use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// What one batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub messages: usize,
    pub delivered: usize,
    pub scheduled: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Deliveries another worker held (their messages are returned).
    pub busy: usize,
    /// Messages returned to the queue.
    pub redelivered: usize,
}

/// The batch's result.
#[derive(Debug, Clone, Default)]
pub struct BatchOutcome {
    pub failed_messages: Vec<String>,
    pub summary: Summary,
}

struct Task {
    message: usize,
    webhook: Webhook,
    delivery: Delivery,
    is_retry: bool,
}

/// Work through one batch.
pub async fn process(ctx: &Context, event: SqsEvent) -> BatchOutcome {
    let ids: Vec<String> = event
        .records
        .iter()
        .map(|r| r.message_id.clone().unwrap_or_default())
        .collect();
    let mut failed = vec![false; ids.len()];
    let mut jobs = Vec::new();
    for (i, record) in event.records.iter().enumerate() {
        match parse(record.body.as_deref().unwrap_or_default()) {
            Ok(Job::Ignored) => {}
            Ok(job) => jobs.push((i, job)),
            Err(err) => {
                tracing::error!(message_id = %ids[i], error = %err, "unreadable message");
                failed[i] = true;
            }
        }
    }
    let hooks = load_webhooks(ctx, &jobs).await;
    let mut tasks = Vec::new();
    let now = Utc::now();
    for (i, job) in jobs {
        let tenant = match &job {
            Job::Event(envelope) => envelope.data.tenant_id.clone(),
            Job::Retry(delivery) => delivery.tenant_id.clone(),
            Job::Ignored => continue,
        };
        let Some(Ok(webhooks)) = hooks.get(&tenant) else {
            failed[i] = true;
            continue;
        };
        match job {
            Job::Event(envelope) => tasks.extend(
                webhooks
                    .iter()
                    .filter(|w| w.enabled && w.filters.matches(envelope.event_type, &envelope.data))
                    .map(|w| Task {
                        message: i,
                        webhook: w.clone(),
                        delivery: Delivery::new(w, envelope.clone(), now),
                        is_retry: false,
                    }),
            ),
            Job::Retry(delivery) => match webhooks.iter().find(|w| w.id == delivery.webhook_id) {
                Some(w) if w.enabled => tasks.push(Task {
                    message: i,
                    webhook: w.clone(),
                    delivery,
                    is_retry: true,
                }),
                _ => {
                    tracing::info!(delivery = %delivery.id, "webhook deleted or disabled; retry dropped")
                }
            },
            Job::Ignored => {}
        }
    }
    let results: Vec<(usize, Result<Done, _>)> = stream::iter(tasks)
        .map(|task| async move {
            let result = attempt(ctx, &task.webhook, &task.delivery, task.is_retry).await;
            if let Err(err) = &result {
                tracing::error!(delivery = %task.delivery.id, error = %err, "delivery not settled; will redeliver");
            }
            (task.message, result)
        })
        .buffer_unordered(ctx.concurrency.max(1))
        .collect()
        .await;
    let mut summary = Summary {
        messages: ids.len(),
        ..Summary::default()
    };
    for (message, result) in results {
        match result {
            Ok(Done::Delivered) => summary.delivered += 1,
            Ok(Done::Scheduled) => summary.scheduled += 1,
            Ok(Done::Failed) => summary.failed += 1,
            Ok(Done::Skipped) => summary.skipped += 1,
            Ok(Done::Busy) => {
                summary.busy += 1;
                failed[message] = true;
            }
            Err(_) => failed[message] = true,
        }
    }
    let failed_messages: Vec<String> = ids
        .into_iter()
        .zip(failed)
        .filter_map(|(id, f)| f.then_some(id))
        .collect();
    summary.redelivered = failed_messages.len();
    BatchOutcome {
        failed_messages,
        summary,
    }
}

/// Each tenant's webhooks, read once per batch.
async fn load_webhooks(
    ctx: &Context,
    jobs: &[(usize, Job)],
) -> HashMap<TenantId, Result<Vec<Webhook>, StoreError>> {
    let tenants: BTreeSet<TenantId> = jobs
        .iter()
        .filter_map(|(_, job)| match job {
            Job::Event(e) => Some(e.data.tenant_id.clone()),
            Job::Retry(d) => Some(d.tenant_id.clone()),
            Job::Ignored => None,
        })
        .collect();
    let mut hooks = HashMap::new();
    for tenant in tenants {
        let list = ctx
            .store
            .list(&tenant)
            .await
            .map(|stored| stored.into_iter().map(|s| s.webhook).collect());
        if let Err(err) = &list {
            tracing::error!(tenant = %tenant, error = %err, "could not read webhooks");
        }
        hooks.insert(tenant, list);
    }
    hooks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::RetryMessage;
    use crate::ports::{DeadLetter, OutletError, RetryQueue};
    use anomalies_core::bus::{DetailType, MemoryBus};
    use anomalies_core::sample::sample_anomaly;
    use anomalies_webhooks::format::Envelope;
    use anomalies_webhooks::model::{EventType, WebhookInput};
    use anomalies_webhooks::retry::{Class, RetryPolicy};
    use anomalies_webhooks::send::{Answer, Outgoing, Sender};
    use anomalies_webhooks::store::{DeliveryLedger, MemoryWebhooks, Settlement, WebhookStore};
    use async_trait::async_trait;
    use aws_lambda_events::event::sqs::SqsMessage;
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    struct Fakes {
        sent: Mutex<Vec<Outgoing>>,
        scheduled: Mutex<Vec<(String, u32)>>,
        dead: Mutex<Vec<DeadLetter>>,
        /// Answer every request with 410 Gone (a permanent failure).
        gone: std::sync::atomic::AtomicBool,
    }

    #[async_trait]
    impl Sender for Fakes {
        async fn send(&self, request: Outgoing) -> Answer {
            self.sent.lock().unwrap().push(request);
            let gone = self.gone.load(std::sync::atomic::Ordering::Relaxed);
            Answer {
                class: if gone {
                    Class::Permanent
                } else {
                    Class::Delivered
                },
                status: Some(if gone { 410 } else { 200 }),
                latency_ms: 1,
                body_excerpt: String::new(),
                retry_after: None,
                error: None,
                refused: false,
            }
        }
    }

    #[async_trait]
    impl RetryQueue for Fakes {
        async fn schedule(&self, delivery: &Delivery, delay: u32) -> Result<(), OutletError> {
            self.scheduled
                .lock()
                .unwrap()
                .push((delivery.id.clone(), delay));
            Ok(())
        }
        async fn dead_letter(&self, dead: &DeadLetter) -> Result<(), OutletError> {
            self.dead.lock().unwrap().push(dead.clone());
            Ok(())
        }
    }

    async fn setup() -> (
        Context,
        Arc<MemoryWebhooks>,
        Arc<Fakes>,
        Arc<MemoryBus>,
        Webhook,
    ) {
        let store = Arc::new(MemoryWebhooks::default());
        let fakes = Arc::new(Fakes::default());
        let bus = Arc::new(MemoryBus::default());
        let input: WebhookInput =
            serde_json::from_value(serde_json::json!({"name": "w", "url": "https://r.example/h"}))
                .unwrap();
        let webhook = Webhook::create(TenantId::default_tenant(), input, Utc::now()).unwrap();
        store.insert(&webhook).await.unwrap();
        let ctx = Context {
            store: store.clone(),
            ledger: store.clone(),
            sender: fakes.clone(),
            queue: fakes.clone(),
            bus: bus.clone(),
            retry: RetryPolicy::default(),
            concurrency: 4,
        };
        (ctx, store, fakes, bus, webhook)
    }

    fn delivery(webhook: &Webhook) -> Delivery {
        let envelope = Envelope {
            event_type: EventType::AnomalyDetected,
            event_time: Utc::now(),
            data: sample_anomaly("alice", 0),
        };
        Delivery::new(webhook, envelope, Utc::now())
    }

    fn batch(bodies: &[String]) -> SqsEvent {
        SqsEvent {
            records: bodies
                .iter()
                .enumerate()
                .map(|(i, b)| SqsMessage {
                    message_id: Some(format!("m{i}")),
                    body: Some(b.clone()),
                    ..SqsMessage::default()
                })
                .collect(),
        }
    }

    fn retry_body(delivery: &Delivery) -> String {
        serde_json::to_string(&RetryMessage {
            webhook_retry: delivery.clone(),
        })
        .unwrap()
    }

    #[tokio::test]
    async fn a_delivery_held_by_another_worker_is_returned_for_redelivery_not_dropped() {
        // Arrange: another worker has claimed the attempt and not settled it.
        let (ctx, store, fakes, _bus, webhook) = setup().await;
        let pending = delivery(&webhook);
        store
            .claim(&pending.id, Utc::now(), chrono::Duration::minutes(5))
            .await
            .unwrap();

        // Act
        let outcome = process(&ctx, batch(&[retry_body(&pending)])).await;

        // Assert
        assert_eq!(outcome.failed_messages, ["m0"]);
        assert_eq!(outcome.summary.busy, 1);
        assert!(fakes.sent.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_retry_that_arrives_before_it_is_due_is_delayed_again_and_not_sent() {
        // Arrange: the next attempt is due in an hour (beyond SQS's 15-minute delay).
        let (ctx, store, fakes, _bus, webhook) = setup().await;
        let pending = delivery(&webhook);
        store
            .claim(&pending.id, Utc::now(), chrono::Duration::seconds(1))
            .await
            .unwrap();
        let at = Utc::now() + chrono::Duration::hours(1);
        store
            .settle(&pending.id, 1, Settlement::Scheduled { at })
            .await
            .unwrap();

        // Act
        let outcome = process(&ctx, batch(&[retry_body(&pending)])).await;

        // Assert
        assert!(outcome.failed_messages.is_empty());
        assert_eq!(
            *fakes.scheduled.lock().unwrap(),
            [(pending.id.clone(), 900)]
        );
        assert!(fakes.sent.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_deleted_webhooks_retry_is_dropped_and_a_bad_message_is_returned_alone() {
        // Arrange
        let (ctx, store, fakes, _bus, webhook) = setup().await;
        let pending = delivery(&webhook);
        store.delete(&webhook.tenant_id, &webhook.id).await.unwrap();

        // Act
        let outcome = process(&ctx, batch(&[retry_body(&pending), "garbage".into()])).await;

        // Assert
        assert_eq!(outcome.failed_messages, ["m1"]);
        assert!(fakes.sent.lock().unwrap().is_empty());
        assert!(fakes.dead.lock().unwrap().is_empty());
    }

    fn anomaly_event() -> String {
        serde_json::json!({
            "version": "0", "id": "e1", "detail-type": DetailType::AnomalyDetected.as_str(),
            "source": anomalies_core::bus::SOURCE, "time": "2026-11-24T10:00:00Z",
            "detail": sample_anomaly("alice", 0)
        })
        .to_string()
    }

    #[tokio::test]
    async fn a_permanent_failure_is_dead_lettered_and_announced_on_the_bus() {
        // Arrange
        let (ctx, _store, fakes, bus, webhook) = setup().await;
        fakes.gone.store(true, std::sync::atomic::Ordering::Relaxed);

        // Act
        let outcome = process(&ctx, batch(&[anomaly_event()])).await;

        // Assert
        assert!(outcome.failed_messages.is_empty());
        assert_eq!(outcome.summary.failed, 1);
        assert_eq!(fakes.dead.lock().unwrap().len(), 1);
        let events = bus.events();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].detail_type, DetailType::WebhookDeliveryFailed);
        assert_eq!(events[0].resource, sample_anomaly("alice", 0).id.as_str());
        assert_eq!(events[0].detail["webhook_id"], webhook.id.as_str());
        assert_eq!(events[0].detail["status_code"], 410);
    }
}
