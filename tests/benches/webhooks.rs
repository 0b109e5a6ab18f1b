//! Deliveries per second of one webhooks-function instance to a local receiver: batches of
//! 10 anomaly events × 10 matching webhooks (100 deliveries per batch), rendered, signed and
//! sent by the real sender, with the in-memory ledger (DynamoDB cost is counted separately:
//! three writes per delivery). Run: `cargo bench -p integration-tests --bench webhooks`.

use anomalies_core::domain::TenantId;
use anomalies_core::sample::sample_anomaly;
use anomalies_webhooks::delivery::Delivery;
use anomalies_webhooks::model::{Webhook, WebhookInput};
use anomalies_webhooks::retry::RetryPolicy;
use anomalies_webhooks::send::HttpSender;
use anomalies_webhooks::store::{MemoryWebhooks, WebhookStore};
use anomalies_webhooks::target::TargetPolicy;
use async_trait::async_trait;
use integration_tests::delivery::{bus_event, notifications};
use integration_tests::receiver::{Behavior, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};
use webhooks_function::ports::{DeadLetter, OutletError, RetryQueue};
use webhooks_function::Context;

struct Discard;

#[async_trait]
impl RetryQueue for Discard {
    async fn schedule(&self, _: &Delivery, _: u32) -> Result<(), OutletError> {
        Ok(())
    }
    async fn dead_letter(&self, _: &DeadLetter) -> Result<(), OutletError> {
        Ok(())
    }
}

const BATCHES: usize = 20;
const EVENTS_PER_BATCH: usize = 10;
const WEBHOOKS: usize = 10;

async fn run(receiver_delay: Option<Duration>, concurrency: usize) -> f64 {
    let receiver = Receiver::start().await;
    if let Some(delay) = receiver_delay {
        receiver.always(Behavior::Stall(delay));
    }
    let store = Arc::new(MemoryWebhooks::default());
    for i in 0..WEBHOOKS {
        let input: WebhookInput = serde_json::from_value(serde_json::json!({
            "name": format!("w{i}"), "url": receiver.url
        }))
        .unwrap();
        let webhook =
            Webhook::create(TenantId::default_tenant(), input, chrono::Utc::now()).unwrap();
        store.insert(&webhook).await.unwrap();
    }
    let ctx = Context {
        store: store.clone(),
        ledger: store,
        sender: Arc::new(
            HttpSender::new(TargetPolicy {
                allow_private: true,
            })
            .unwrap(),
        ),
        queue: Arc::new(Discard),
        bus: Arc::new(anomalies_core::bus::MemoryBus::default()),
        retry: RetryPolicy::default(),
        concurrency,
    };
    let batches: Vec<_> = (0..BATCHES)
        .map(|b| {
            let events: Vec<_> = (0..EVENTS_PER_BATCH)
                .map(|e| {
                    bus_event(
                        anomalies_core::bus::DetailType::AnomalyDetected.as_str(),
                        &sample_anomaly(&format!("u{b}-{e}"), (b * 100 + e) as i64),
                    )
                })
                .collect();
            notifications(&events)
        })
        .collect();
    let started = Instant::now();
    let mut delivered = 0;
    for batch in batches {
        delivered += webhooks_function::batch::process(&ctx, batch)
            .await
            .summary
            .delivered;
    }
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(delivered, BATCHES * EVENTS_PER_BATCH * WEBHOOKS);
    delivered as f64 / seconds
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!("| receiver | concurrency | deliveries/s |");
    println!("|---|---|---|");
    for (label, delay) in [
        ("answers at once", None),
        ("answers after 50 ms", Some(Duration::from_millis(50))),
    ] {
        for concurrency in [1, 64] {
            let rate = run(delay, concurrency).await;
            println!("| {label} | {concurrency} | {rate:.0} |");
        }
    }
}
