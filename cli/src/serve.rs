//! `anomalies serve`: the query API on the embedded store, on 127.0.0.1. Loads the sample
//! stream (or a JSONL file, or nothing), then answers the same routes as the query Lambda,
//! plus `POST /v1/events`. Requests need the bearer token printed at start. Webhooks can be
//! managed and test-sent; anomalies found by `POST /v1/events` are not delivered to them.

use anomalies_api::auth::{Auth, Principal};
use anomalies_api::cursor::CursorKey;
use anomalies_api::links::LinkTemplates;
use anomalies_api::local::LocalStore;
use anomalies_api::router;
use anomalies_api::routes::webhooks::WebhookApi;
use anomalies_core::bus::MemoryBus;
use anomalies_core::domain::TenantId;
use anomalies_core::engine::Detector;
use anomalies_core::replay::Replayer;
use anomalies_core::store::MemoryStore;
use anomalies_webhooks::send::HttpSender;
use anomalies_webhooks::store::MemoryWebhooks;
use anomalies_webhooks::target::TargetPolicy;
use anyhow::Context;
use std::io::{BufReader, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

pub struct ServeOptions<'a> {
    pub detector: Detector,
    /// A JSONL file, `sample` (the bundled stream) or `none`.
    pub events: &'a str,
    pub listen: SocketAddr,
    pub token: Option<String>,
    pub tenant: Option<String>,
    pub lookback_days: i64,
    /// Admit http and private webhook targets.
    pub webhooks_allow_private: bool,
    /// Links from anomalies to the access platform.
    pub links: LinkTemplates,
}

/// Replay the chosen events into a store; report bad lines on stderr.
fn load(detector: &Detector, events: &str) -> anyhow::Result<(MemoryStore, String)> {
    let report = |e: &anomalies_core::replay::LineError| eprintln!("skipped {e}");
    let replayer = Replayer::new(detector);
    let (store, summary) = match events {
        "none" => (MemoryStore::new(), None),
        "sample" => {
            let input = super::commands::DEMO_STREAM.as_bytes();
            let (store, summary) = load_into(replayer, input, report)?;
            (store, Some(summary))
        }
        path => {
            let file = std::fs::File::open(Path::new(path))
                .with_context(|| format!("cannot open {path}"))?;
            let (store, summary) = load_into(replayer, BufReader::new(file), report)?;
            (store, Some(summary))
        }
    };
    let described = match summary {
        Some(s) => format!(
            "{} events, {} anomalies from {events}",
            s.events,
            store.anomaly_count()
        ),
        None => "no events loaded".to_owned(),
    };
    Ok((store, described))
}

fn load_into<R: std::io::BufRead>(
    mut replayer: Replayer<'_>,
    input: R,
    mut report: impl FnMut(&anomalies_core::replay::LineError),
) -> anyhow::Result<(MemoryStore, anomalies_core::replay::ReplaySummary)> {
    anomalies_core::lines::for_each_line(
        input,
        anomalies_core::contract::MAX_EVENT_BYTES,
        |n, line| {
            if let anomalies_core::lines::Line::Text(text) = line {
                if let Err(e) = replayer.push_line(n, text) {
                    report(&e);
                }
            }
        },
    )?;
    Ok(replayer.finish())
}

/// The tenant the token acts for: as given, else the only tenant in the data, else `default`.
fn tenant(given: Option<String>, store: &MemoryStore) -> anyhow::Result<TenantId> {
    if let Some(t) = given {
        return TenantId::try_from(t).map_err(|_| anyhow::anyhow!("--tenant must not be empty"));
    }
    let mut tenants: Vec<&TenantId> = store.anomalies().map(|a| &a.tenant_id).collect();
    tenants.sort_unstable();
    tenants.dedup();
    Ok(match tenants.as_slice() {
        [only] => (*only).clone(),
        _ => TenantId::default_tenant(),
    })
}

pub fn serve(options: ServeOptions<'_>) -> anyhow::Result<()> {
    let (store, described) = load(&options.detector, options.events)?;
    let tenant = tenant(options.tenant, &store)?;
    let token = options
        .token
        .unwrap_or_else(|| hex::encode(rand::random::<[u8; 16]>()));
    let local = Arc::new(LocalStore::new(options.detector, store));
    let auth = Auth::Bearer {
        token: token.clone(),
        principal: Principal {
            tenant: tenant.clone(),
            actor: "local".into(),
            access: anomalies_api::auth::Access::ReadWrite,
        },
    };
    let bus = Arc::new(MemoryBus::new(true));
    let mut state = local.app_state(bus, auth, CursorKey::random(), true);
    state.lookback = chrono::Duration::days(options.lookback_days);
    state.links = options.links;
    let policy = TargetPolicy {
        allow_private: options.webhooks_allow_private,
    };
    let app = router(state.with_webhooks(WebhookApi {
        store: Arc::new(MemoryWebhooks::default()),
        sender: Arc::new(HttpSender::new(policy)?),
        policy,
    }));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .with_context(|| format!("cannot listen on {}", options.listen))?;
        let address = listener.local_addr()?;
        println!("anomalies serve: http://{address} (tenant {tenant}; {described})");
        println!("open: http://{address}/ui/#token={token}");
        println!("token: {token}");
        println!("try: curl -H 'Authorization: Bearer {token}' http://{address}/v1/anomalies");
        std::io::stdout().flush()?;
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}
